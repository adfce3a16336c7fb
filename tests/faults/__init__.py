"""Fault injection (issue 9): every platform, the mail server and the state file misbehave."""
