"""Saved drafts of guided applications (``apply_views``): what the applicant entered step by
step and the files they uploaded, kept across validation errors and sessions until the draft is
submitted or expires (``jobs.drafts_expire``)."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingshang.platform.uploads import upload_storage

DRAFT_LIFETIME = timedelta(days=30)  # an untouched draft is removed after this


def _token() -> str:
    return secrets.token_urlsafe(16)


def _expiry():
    return timezone.now() + DRAFT_LIFETIME


class DraftStatus(models.TextChoices):
    OPEN = "open", _("填写中")
    SUBMITTED = "submitted", _("已提交")


class ApplicationDraft(models.Model):
    """One applicant's application in progress for an item or a bundle. ``data`` holds the
    cleaned answers per step (JSON); ``submit_key`` is the idempotency key of the final form
    (a second POST of it finds ``case`` set and creates nothing)."""

    token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="application_drafts"
    )
    item = models.ForeignKey(
        "catalog.ServiceItem", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    bundle = models.ForeignKey(
        "catalog.Bundle", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=DraftStatus.choices, default=DraftStatus.OPEN
    )
    step = models.CharField(_("当前步骤"), max_length=20, default="applicant")
    data = models.JSONField(default=dict, blank=True)
    submit_key = models.CharField(max_length=32, default=_token, editable=False)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"), default=_expiry, db_index=True)

    class Meta:
        verbose_name = _("申请草稿")
        verbose_name_plural = _("申请草稿")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["user", "status"], name="draft_user_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(item__isnull=True) ^ models.Q(bundle__isnull=True),
                name="draft_item_xor_bundle",
            )
        ]

    def __str__(self):
        return self.token

    @property
    def target(self):
        return self.item or self.bundle


class DraftAttachment(models.Model):
    """A file uploaded into a draft, for one material slot: stored by the upload service
    (outside the web root, checked by content), moved to the case when the draft is submitted
    and deleted with the draft."""

    draft = models.ForeignKey(ApplicationDraft, on_delete=models.CASCADE, related_name="files")
    slot_key = models.CharField(max_length=40)
    stored_name = models.FileField(
        max_length=200, editable=False, storage=upload_storage, upload_to="drafts/"
    )
    original_name = models.CharField(_("文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=60, blank=True)
    size = models.PositiveIntegerField(_("大小"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    downscaled = models.BooleanField(_("已压缩"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("草稿附件")
        verbose_name_plural = _("草稿附件")
        ordering = ["draft", "id"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "slot_key"], name="draft_attachment_slot")
        ]

    def __str__(self):
        return self.original_name
