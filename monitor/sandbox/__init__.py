"""Local stand-ins for the outside world, on 127.0.0.1: used by the demo and by the tests."""
