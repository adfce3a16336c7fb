"""The config file: validated once, errors name the file and the dotted key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import (
    CONFIG_ENV_VAR,
    DEFAULT_CONFIG_PATH,
    config_path_from,
    load_config,
    parse_interval,
)
from monitor.errors import ConfigError

FEED = """
[[sources]]
name = "blog"
kind = "feed"
url = "https://blog.test.sch.uk/comments/feed/"
"""

REPO = Path(__file__).resolve().parent.parent


class TestLoad:
    def test_example_config_is_valid(self) -> None:
        """The shipped config/example.toml loads."""
        config = load_config(REPO / "config" / "example.toml")
        assert config.school.name == "Example Primary School"
        assert [s.kind for s in config.sources] == [
            "feed",
            "feed",
            "facebook_page",
            "instagram",
            "twitter",
        ]

    def test_example_config_secrets_name_systemd_credentials(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With the credentials systemd would load, every secret in the example resolves."""
        names = ["fb-page-token", "x-bearer", "x-consumer-key", "x-consumer-secret"]
        for name in [*names, "x-access-token", "x-access-token-secret"]:
            (tmp_path / name).write_text(f"value-of-{name}")
        monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
        config = load_config(REPO / "config" / "example.toml")
        x = config.source("x")
        assert x.bearer_token.resolve().get_secret_value() == "value-of-x-bearer"  # type: ignore[union-attr]

    def test_source_defaults(self, write_config: Callable[..., Path]) -> None:
        """Only name, kind and the connector's keys are required; interval defaults to 5m."""
        config = load_config(write_config(FEED))
        source = config.source("blog")
        assert source.interval == timedelta(minutes=5)
        assert source.enabled

    def test_relative_paths_resolve_against_config_folder(
        self, write_config: Callable[..., Path]
    ) -> None:
        """storage.path and roster.path are relative to the config file, not the cwd."""
        path = write_config('[roster]\npath = "pupils.csv"\n')
        config = load_config(path)
        assert config.storage.path == path.parent / "state" / "monitor.db"
        assert config.roster is not None
        assert config.roster.path == path.parent / "pupils.csv"

    def test_register_fields(self, write_config: Callable[..., Path]) -> None:
        """owner, approved_by and approved_on (a TOML date) form the register of accounts."""
        config = load_config(
            write_config(
                FEED + 'owner = "Mr Patel"\napproved_by = "SLT"\napproved_on = 2026-09-01\n'
            )
        )
        source = config.source("blog")
        assert (source.owner, source.approved_by, str(source.approved_on)) == (
            "Mr Patel",
            "SLT",
            "2026-09-01",
        )


class TestErrors:
    @pytest.mark.parametrize(
        ("extra", "expected"),
        [
            (FEED + "colour = 'red'\n", "sources[0].colour: unknown key"),
            (FEED.replace("https://blog", "ftp://blog"), "sources[0].url"),
            (FEED + 'interval = "0s"\n', "sources[0].interval"),
            (FEED + 'interval = "2d"\n', "sources[0].interval"),
            (FEED + 'interval = "often"\n', "sources[0].interval"),
            (
                FEED.replace('kind = "feed"', 'kind = "myspace"'),
                "sources[0]: unknown kind 'myspace'",
            ),
            (FEED.replace('kind = "feed"\n', ""), "sources[0]: kind is missing"),
            (FEED + FEED, "two sources are called 'blog'"),
            ("[rules.nonsense]\nenabled = true\n", "rules: unknown rule 'nonsense'"),
            ("[rules.abuse]\naction = 'shout'\n", "rules.abuse.action"),
            ("[extra]\nx = 1\n", "extra: unknown key"),
        ],
    )
    def test_bad_key_is_named(
        self, write_config: Callable[..., Path], extra: str, expected: str
    ) -> None:
        """Each bad key is reported by its dotted path with what is wrong."""
        path = write_config(extra)
        with pytest.raises(ConfigError) as err:
            load_config(path)
        assert str(path) in str(err.value)
        assert expected in str(err.value)

    def test_missing_section(self, write_config: Callable[..., Path]) -> None:
        """A missing required section is named."""
        path = write_config(base="[school]\nname='x'\naup_url='https://x.sch.uk/aup'\n")
        with pytest.raises(ConfigError, match="email: required key is missing"):
            load_config(path)

    def test_third_source_named_by_index(self, write_config: Callable[..., Path]) -> None:
        """The index in sources[2] counts from zero, as the admin sees it in messages."""
        extra = "".join(FEED.replace('"blog"', f'"s{i}"') for i in range(2))
        extra += FEED.replace('"blog"', '"s2"').replace("https://", "")
        with pytest.raises(ConfigError, match=r"sources\[2\]\.url"):
            load_config(write_config(extra))

    def test_invalid_toml(self, write_config: Callable[..., Path]) -> None:
        """A TOML syntax error names the file and the line."""
        path = write_config("[school\n")
        with pytest.raises(ConfigError, match="not valid TOML"):
            load_config(path)

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing config says how to point at one."""
        with pytest.raises(ConfigError, match="--config PATH"):
            load_config(tmp_path / "nope.toml")

    def test_inline_secret_refused(self, write_config: Callable[..., Path]) -> None:
        """A password written inline is refused with the right way to give it."""
        path = write_config()
        text = path.read_text().replace(
            "timeout = 5", 'timeout = 5\nusername = "u"\npassword = "hunter2"'
        )
        path.write_text(text)
        with pytest.raises(ConfigError) as err:
            load_config(path)
        assert "password_env or password_file" in str(err.value)
        assert "hunter2" not in str(err.value)

    def test_bad_email_address(self, write_config: Callable[..., Path]) -> None:
        """A malformed recipient is named."""
        path = write_config()
        path.write_text(path.read_text().replace('"dsl@test.sch.uk"', '"dsl at school"'))
        with pytest.raises(ConfigError, match=r"email\.dsl"):
            load_config(path)

    def test_bad_timezone(self, write_config: Callable[..., Path]) -> None:
        """An unknown time zone is named."""
        path = write_config()
        path.write_text(path.read_text().replace("Europe/London", "Europe/Narnia"))
        with pytest.raises(ConfigError, match=r"email\.timezone"):
            load_config(path)


class TestSecrets:
    def test_env_secret(
        self, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """password_env resolves from the environment, masked in repr."""
        path = write_config()
        path.write_text(
            path.read_text().replace(
                "timeout = 5", 'timeout = 5\nusername = "u"\npassword_env = "T_SMTP_PW"'
            )
        )
        monkeypatch.setenv("T_SMTP_PW", "s3cret")
        config = load_config(path)
        assert config.email.password is not None
        secret = config.email.password.resolve()
        assert secret.get_secret_value() == "s3cret"
        assert "s3cret" not in repr(config)

    def test_unset_env_secret_named(
        self, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An unset variable is named with its key."""
        path = write_config()
        path.write_text(
            path.read_text().replace(
                "timeout = 5", 'timeout = 5\nusername = "u"\npassword_env = "T_UNSET_PW"'
            )
        )
        monkeypatch.delenv("T_UNSET_PW", raising=False)
        config = load_config(path)
        assert config.email.password is not None
        with pytest.raises(
            ConfigError, match=r"email\.password_env: environment variable T_UNSET_PW is not set"
        ):
            config.email.password.resolve()

    def test_file_secret_with_credentials_directory(
        self, write_config: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """password_file may use $CREDENTIALS_DIRECTORY, as systemd's LoadCredential= gives it."""
        creds = tmp_path / "creds"
        creds.mkdir()
        (creds / "smtp").write_text("pw-from-file\n")
        monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
        path = write_config()
        path.write_text(
            path.read_text().replace(
                "timeout = 5",
                'timeout = 5\nusername = "u"\npassword_file = "$CREDENTIALS_DIRECTORY/smtp"',
            )
        )
        config = load_config(path)
        assert config.email.password is not None
        assert config.email.password.resolve().get_secret_value() == "pw-from-file"

    def test_relative_secret_file(self, write_config: Callable[..., Path]) -> None:
        """A relative password_file is read from beside the config, not the working folder."""
        path = write_config()
        (path.parent / "smtp-pw").write_text("beside\n")
        path.write_text(
            path.read_text().replace(
                "timeout = 5", 'timeout = 5\nusername = "u"\npassword_file = "smtp-pw"'
            )
        )
        config = load_config(path)
        assert config.email.password is not None
        assert config.email.password.resolve().get_secret_value() == "beside"

    def test_unreadable_file_secret_named(
        self, write_config: Callable[..., Path], tmp_path: Path
    ) -> None:
        """A missing secret file is named with its key."""
        path = write_config()
        path.write_text(
            path.read_text().replace(
                "timeout = 5", f'timeout = 5\nusername = "u"\npassword_file = "{tmp_path}/none"'
            )
        )
        config = load_config(path)
        assert config.email.password is not None
        with pytest.raises(ConfigError, match=r"email\.password_file: cannot read"):
            config.email.password.resolve()


class TestPlatformSources:
    FB = 'name = "fb"\nkind = "facebook_page"\npage_id = "1000000001"\n'

    def test_facebook_defaults(self, write_config: Callable[..., Path]) -> None:
        """A Page source needs its id and a token reference; the rest has defaults."""
        config = load_config(write_config("[[sources]]\n" + self.FB + 'token_env = "FB_T"\n'))
        source = config.source("fb")
        assert (source.api_url, source.api_version, source.lookback_days, source.hide) == (  # type: ignore[union-attr]
            "https://graph.facebook.com",
            "v26.0",
            30,
            True,
        )

    def test_token_required(self, write_config: Callable[..., Path]) -> None:
        """A Page source without a token says how to give one."""
        with pytest.raises(ConfigError, match=r"sources\[0\]: token_env or token_file is required"):
            load_config(write_config("[[sources]]\n" + self.FB))

    def test_secret_named_by_source(
        self, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An unset token variable is named with its source."""
        monkeypatch.delenv("FB_T_UNSET", raising=False)
        config = load_config(write_config("[[sources]]\n" + self.FB + 'token_env = "FB_T_UNSET"\n'))
        with pytest.raises(
            ConfigError, match=r"sources\.fb\.token_env: environment variable FB_T_UNSET"
        ):
            config.source("fb").token.resolve()  # type: ignore[union-attr]

    def test_twitter_user_context_all_or_none(self, write_config: Callable[..., Path]) -> None:
        """Hiding replies needs all four OAuth 1.0a secrets or none."""
        extra = (
            '[[sources]]\nname = "x"\nkind = "twitter"\nuser_id = "2000000001"\n'
            'bearer_token_env = "XB"\nconsumer_key_env = "XK"\n'
        )
        with pytest.raises(ConfigError, match="all four"):
            load_config(write_config(extra))


class TestPath:
    def test_cli_wins(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """--config beats the environment variable."""
        monkeypatch.setenv(CONFIG_ENV_VAR, "/from/env.toml")
        assert config_path_from("/from/cli.toml") == Path("/from/cli.toml")

    def test_env_beats_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """SOCIAL_MONITOR_CONFIG overrides the default path."""
        monkeypatch.setenv(CONFIG_ENV_VAR, "/from/env.toml")
        assert config_path_from(None) == Path("/from/env.toml")

    def test_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without either, /etc/social-monitor/monitor.toml."""
        monkeypatch.delenv(CONFIG_ENV_VAR, raising=False)
        assert config_path_from(None) == DEFAULT_CONFIG_PATH


class TestInterval:
    @pytest.mark.parametrize(
        ("text", "seconds"), [("1s", 1), ("5m", 300), ("2h", 7200), ("1d", 86400), (90, 90)]
    )
    def test_valid(self, text: object, seconds: int) -> None:
        """Durations take s, m, h, d units, from 1s to 1d."""
        assert parse_interval(text) == timedelta(seconds=seconds)

    @pytest.mark.parametrize("text", ["0s", "25h", "5 minutes", "", True, -1])
    def test_invalid(self, text: object) -> None:
        """Anything else is refused."""
        with pytest.raises(ValueError):
            parse_interval(text)
