"""Sign-in tokens (``dashboard.sessions``), their cookie, and sign-in refusals in one language.

Plain functions, no server: the token's lifetime (idle timeout, absolute limit, revocation),
that only its hash is kept, the cookie script's flags, and the refusal texts by reason code.
The browser side (reload, deep link, sign-out) is ``test_session_browser.py``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from dashboard import auth, i18n
from dashboard.data import Viewer
from dashboard.sessions import ABSOLUTE_LIMIT, IDLE_TIMEOUT, Sessions, token_hash
from visit_planner.errors import LoginError, StoreError

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
SUP = Viewer("sup_town", "supervisor", "township", "532601001")
CJK = re.compile(r"[\u3400-\u9fff]")


def test_a_token_is_random_and_only_its_hash_is_kept() -> None:
    sessions = Sessions()
    token, digest = sessions.start(SUP, T0)
    other, _ = sessions.start(SUP, T0)
    assert token != other and len(token) >= 43  # 32 random bytes, URL-safe base64
    assert digest == token_hash(token) and digest != token
    kept = repr(sessions.__dict__)
    assert token not in kept and digest in kept
    found = sessions.resume(token, T0 + timedelta(minutes=5))
    assert found is not None
    session, same = found
    assert same == digest and session.viewer == SUP
    assert session.created == T0 and session.last_used == T0 + timedelta(minutes=5)
    assert sessions.resume("a-guessed-token", T0) is None


def test_an_idle_token_expires_and_use_keeps_it_alive() -> None:
    sessions = Sessions()
    token, digest = sessions.start(SUP, T0)
    used = T0 + timedelta(hours=1)
    assert sessions.touch(digest, used) is not None
    # idle is counted from the last use: past T0 + IDLE_TIMEOUT, within it from that use
    assert sessions.resume(token, used + IDLE_TIMEOUT - timedelta(minutes=1)) is not None
    unused, _ = sessions.start(SUP, T0)
    assert sessions.resume(unused, T0 + IDLE_TIMEOUT + timedelta(minutes=1)) is None
    assert sessions.resume(unused, T0) is None  # an expired token is forgotten, not kept
    assert len(sessions) == 1


def test_a_token_in_use_still_ends_at_the_absolute_limit() -> None:
    sessions = Sessions()
    token, _ = sessions.start(SUP, T0)
    at = T0
    while at < T0 + ABSOLUTE_LIMIT - timedelta(hours=1):
        at += timedelta(hours=1)
        assert sessions.resume(token, at) is not None
    assert sessions.resume(token, T0 + ABSOLUTE_LIMIT + timedelta(seconds=1)) is None


def test_revoking_a_token_ends_it_and_old_tokens_are_dropped() -> None:
    sessions = Sessions()
    token, digest = sessions.start(SUP, T0)
    sessions.revoke(digest)
    sessions.revoke(None)  # a session without a token: nothing to do
    assert sessions.resume(token, T0) is None
    sessions.start(SUP, T0)
    sessions.start(SUP, T0 + ABSOLUTE_LIMIT + timedelta(minutes=1))  # drops the expired one
    assert len(sessions) == 1


def test_a_token_keeps_the_password_stamp_and_a_reset_refuses_it() -> None:
    sessions = Sessions()
    stamp = "2026-12-01T08:00:00+00:00"
    token, _ = sessions.start(SUP, T0, stamp=stamp)
    found = sessions.resume(token, T0)
    assert found is not None and found[0].password_stamp == stamp
    assert auth.session_refusal(SUP, stamp, (SUP, stamp)) is None
    reset = "2026-12-05T09:00:00+00:00"
    assert auth.session_refusal(SUP, stamp, (SUP, reset)) == "password_reset_signed_out"
    # the stamp moves for the owner's own change too: the notice must not say "reset" alone
    assert "本人修改" in i18n.t("password_reset_signed_out", "zh")
    assert "by its owner" in i18n.t("password_reset_signed_out", "en")
    assert auth.session_refusal(SUP, stamp, None) == "account_gone"  # disabled or removed
    moved = Viewer("sup_town", "supervisor", "township", "532601002")
    assert auth.session_refusal(SUP, stamp, (moved, stamp)) == "session_changed"
    # the stamp is signed with the viewer: an edited stamp does not match the signature
    values = auth.session_values(SUP, stamp)
    assert values[auth.SIGNATURE_KEY] != auth.signature(SUP, reset)
    assert values[auth.STAMP_KEY] == stamp


def test_the_cookie_script_sets_a_strict_cookie_per_port_and_clears_it() -> None:
    url = "http://127.0.0.1:8501/township?lang=en"
    assert auth.cookie_name(url) == "visit_planner_session_8501"
    assert auth.cookie_name("") == "visit_planner_session"
    limit = int(ABSOLUTE_LIMIT.total_seconds())
    script = auth.cookie_script(url, "abc_DEF-123")
    assert script == (
        '<script>document.cookie = "visit_planner_session_8501=abc_DEF-123; Path=/; '
        f'Max-Age={limit}; SameSite=Strict";</script>'
    )
    assert "; Secure" in auth.cookie_script("https://plans.example.org/", "abc")
    cleared = auth.cookie_script(url, None)
    assert "visit_planner_session_8501=;" in cleared and "Max-Age=0" in cleared


@pytest.mark.parametrize(
    ("reason", "key"),
    [
        ("wrong_password", "login_wrong"),
        ("unknown_user", "login_wrong"),  # the same text: it does not tell which accounts exist
        ("disabled", "login_disabled"),
        ("unknown_identity", "sso_no_account"),
        ("email_unverified", "sso_unverified"),
    ],
)
def test_a_refused_sign_in_speaks_the_sessions_language_only(reason: str, key: str) -> None:
    exc = LoginError("用户名或密码错误 / the store's bilingual text", reason=reason)
    english = auth.login_message(exc, "en")
    assert english == f"**Sign-in refused** — {i18n.t(key, 'en')}"
    assert not CJK.search(english) and "store's" not in english
    chinese = auth.login_message(exc, "zh")
    assert chinese == f"**登录失败** — {i18n.t(key, 'zh')}"
    assert "store's" not in chinese


def test_a_lock_out_names_its_end_in_beijing_time() -> None:
    until = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    exc = LoginError("账号锁定 / locked", reason="locked", locked_until=until)
    english = auth.login_message(exc, "en")
    assert "2026-12-05 17:30 Beijing time" in english and not CJK.search(english)
    assert "北京时间 2026-12-05 17:30" in auth.login_message(exc, "zh")
    late = LoginError("locked", reason="locked", locked_until=datetime(2026, 12, 5, 20, 0))
    assert "2026-12-06 04:00 Beijing time" in auth.login_message(late, "en")  # naive: UTC


def test_a_paused_address_is_told_when_to_try_again_in_one_language() -> None:
    until = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    exc = LoginError("此地址暂停 (paused)", reason="client_blocked", locked_until=until)
    assert auth.login_message(exc, "en") == (
        "**Sign-in refused** — Too many failed sign-ins from this address: signing in from "
        "it, to any account, is paused until 2026-12-05 17:30 Beijing time. Try again then, "
        "or ask an administrator to lift the pause."
    )
    assert auth.login_message(exc, "zh") == (
        "**登录失败** — 此地址登录失败次数过多，暂停从此地址登录（任何账户）至北京时间 "
        "2026-12-05 17:30。请届时再试，或请管理员解除限制。"
    )


def test_other_errors_keep_their_own_text() -> None:
    exc = StoreError("数据库忙 / the store is busy")
    assert auth.login_message(exc, "en") == i18n.error_text(exc, "en")
