"""Audit events for sign-ins and for changes to who may do what."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .audit import Actor, audit_record
from .refusals import SIGN_IN, refusal_count

User = get_user_model()
# Fields whose change is worth naming; the password is named, never shown.
USER_FIELDS = ("username", "email", "is_active", "is_staff", "is_superuser", "password")


def _actor(request: Any) -> Actor:
    return Actor(user=getattr(request, "user", None))


@receiver(user_logged_in)
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(
        "auth.login", actor=Actor(user=user), object_type="user", object_id=user.pk, object_repr=user.get_username()
    )


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            "auth.logout",
            actor=Actor(user=user),
            object_type="user",
            object_id=user.pk,
            object_repr=user.get_username(),
        )


@receiver(user_login_failed)
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, user: Any = None, reason: str = "", **kwargs: Any
) -> None:
    """Every refused sign-in: a wrong password or unknown user (from
    ``authenticate``, which passes neither ``user`` nor ``reason``), or a
    known user refused later, by the staff check or the second factor (the
    sign-in forms in ``contactcenter.admin`` pass both). The event names the
    user only if one exists, never what was typed: a username that matches
    no one may be a password typed in the wrong field."""
    if user is None:
        user = _existing_user(credentials.get(User.USERNAME_FIELD, credentials.get("username")))
        reason = "unknown_user" if user is None else ("wrong_password" if user.is_active else "inactive_user")
    # Counted, not appended one by one: anyone can send a failed sign-in.
    # The window's first failure per user and reason is an event at once;
    # the count follows when the window closes (compliance.refusals).
    # In a savepoint: the admin's request transaction stays usable if the
    # count fails, and the sign-in is refused all the same.
    with transaction.atomic():
        refusal_count(
            kind=SIGN_IN,
            actor="anonymous",
            key=user.get_username() if user is not None else "",
            object_id=user.pk if user is not None else "",
            reason=reason,
        )


def _existing_user(username: object) -> Any:
    if not isinstance(username, str) or not username:
        return None
    try:
        return User._default_manager.get_by_natural_key(username)
    except User.DoesNotExist:
        return None


@receiver(post_save, sender=User)
def audit_user_saved(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields and set(update_fields) <= {"last_login"}:
        return  # every login saves last_login; the login itself is audited
    changed = sorted(update_fields) if update_fields else list(USER_FIELDS)
    audit_record(
        "user.created" if created else "user.changed",
        object_type="user",
        object_id=instance.pk,
        object_repr=instance.get_username(),
        details={"fields": [field for field in changed if field in USER_FIELDS] or changed},
    )


@receiver(post_delete, sender=User)
def audit_user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    audit_record("user.deleted", object_type="user", object_id=instance.pk, object_repr=instance.get_username())


@receiver(post_save, sender=Group)
def audit_group_saved(sender: Any, instance: Group, created: bool, **kwargs: Any) -> None:
    audit_record(
        "group.created" if created else "group.changed",
        object_type="group",
        object_id=instance.pk,
        object_repr=instance.name,
    )


@receiver(post_delete, sender=Group)
def audit_group_deleted(sender: Any, instance: Group, **kwargs: Any) -> None:
    audit_record("group.deleted", object_type="group", object_id=instance.pk, object_repr=instance.name)


def _audit_membership(action: str, instance: Any, kind: str, model: Any, pk_set: Any, signal_action: str) -> None:
    if signal_action not in ("post_add", "post_remove", "post_clear"):
        return
    audit_record(
        action,
        object_type=instance._meta.model_name,
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        details={"change": signal_action.removeprefix("post_"), kind: sorted(pk_set or [])},
    )


@receiver(m2m_changed, sender=User.groups.through)
def audit_user_groups(sender: Any, instance: Any, action: str, model: Any, pk_set: Any, **kwargs: Any) -> None:
    _audit_membership("user.groups_changed", instance, "group_ids", model, pk_set, action)


@receiver(m2m_changed, sender=User.user_permissions.through)
def audit_user_permissions(sender: Any, instance: Any, action: str, model: Any, pk_set: Any, **kwargs: Any) -> None:
    _audit_membership("permission.changed", instance, "permission_ids", model, pk_set, action)


@receiver(m2m_changed, sender=Group.permissions.through)
def audit_group_permissions(sender: Any, instance: Any, action: str, model: Any, pk_set: Any, **kwargs: Any) -> None:
    _audit_membership("permission.changed", instance, "permission_ids", model, pk_set, action)
