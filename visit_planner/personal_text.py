"""Person's numbers in free text that is kept: override reasons and evidence, revocation and
promotion reasons. Such text goes into run files, the visit lists, MLflow and the append-only
audit log, which never forget, so no ID-card or mobile number may be in it; a household is
named by its id. One rule for every caller (the overrides' checks, the store's revocation,
the promotion gate's forced reason, the dashboard's forms)."""

from __future__ import annotations

from risk_model.personal import number_kind

__all__ = ["personal_number", "revoke_reason_refusal"]


def personal_number(text: str | None) -> tuple[str, str] | None:
    """What kind of person's number ``text`` holds, (Chinese, English), full-width digits
    too; None when it holds none (the rule of :mod:`risk_model.personal`: an 18-digit or
    old 15-digit ID-card number, an 11-digit mobile number, as Chinese forms write them)."""
    return number_kind(text)


def revoke_reason_refusal(reason: str) -> tuple[str, str] | None:
    """Why a revocation's reason may not be kept, (Chinese, English), without repeating the
    number; None when it may. The store refuses it (``store.overrides.revoke``, the CLI's
    ``overrides revoke``), the dashboard before it looks the correction up."""
    number = personal_number(reason)
    if number is None:
        return None
    return (
        f"撤销理由中含疑似{number[0]}, 请勿填写个人身份信息",
        f"the reason holds what looks like {number[1]}: it goes into the audit log, so no "
        "name, ID-card or phone number may be in it; name the household by its id",
    )
