"""Webhook subscriptions through the API (all with the token): create, list, read, pause or resume, delete,
and each one's delivery log. A subscription's secret is shown once, in the answer that creates it."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from shared.config import MAX_WEBHOOKS
from shared.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from shared.profiles import DEFAULT_PROFILE
from shared.repository import Repository
from shared.service import ServiceRuntime
from shared.settings import Settings
from shared.stages import ProfileOrigin

from services.publisher.api.access import WRITE_SECURITY, problems, writer
from services.publisher.api.errors import BadParameter
from services.publisher.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, paginate
from services.publisher.webhooks.signing import SecretError, new_secret, secret_key
from services.publisher.webhooks.targets import TargetError, check_target

ID = r"^[A-Za-z0-9_-]{1,40}$"
URL_CHARS = 2000
IdParam = Annotated[str, Path(pattern=ID)]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1, max_length=URL_CHARS, description="http or https; never a private address")
    profile: str = Field("default", pattern=r"^[a-z0-9-]{1,40}$")
    format: Literal["json", "slack", "discord", "feishu"] = "json"
    per: Literal["digest", "paper"] = "digest"
    secret: str | None = Field(None, max_length=128, description="Your own `whsec_<base64>` key (else one is made)")
    feishu_secret: str | None = Field(None, min_length=1, max_length=256,
                                      description="A Feishu bot's signing secret (format feishu only)")


class WebhookPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool | None = Field(None, description="true resumes a paused subscription; false pauses it")
    url: str | None = Field(None, min_length=1, max_length=URL_CHARS)


class Webhook(BaseModel):
    id: str
    url: str
    profile: str
    format: str
    per: str
    origin: str
    active: bool
    paused_reason: str | None
    consecutive_failures: int
    feishu_signed: bool
    created_at: datetime
    updated_at: datetime


class WebhookCreated(Webhook):
    secret: str = Field(description="The Standard Webhooks signing secret; shown this once only")


class Attempt(BaseModel):
    attempt: int
    part: int
    started_at: datetime
    ok: bool
    status_code: int | None
    latency_ms: int
    error: str | None


class Delivery(BaseModel):
    id: str = Field(description="The webhook-id header, the same on every retry")
    event: str
    run_id: str
    profile: str
    arxiv_id: str | None
    status: str
    attempts: int
    parts: int
    parts_sent: int
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    parts_pruned_at: datetime | None = Field(None, description="When the sent bodies were dropped (retention)")
    log: list[Attempt]


def view(subscription: WebhookSubscription) -> Webhook:
    return Webhook(**subscription.model_dump(include=set(Webhook.model_fields)),
                   feishu_signed=subscription.format == "feishu"
                   and (subscription.feishu_secret or subscription.secret_env) is not None)


def delivery_view(delivery: WebhookDelivery, log: list[WebhookAttempt]) -> Delivery:
    return Delivery(**delivery.model_dump(exclude={"parts", "subscription_id", "dedupe_key", "lease"}),
                    parts=len(delivery.parts),
                    log=[Attempt(**a.model_dump(exclude={"id", "delivery_id"})) for a in log])


async def checked_url(url: str, settings: Settings) -> str:
    try:
        return await check_target(url, settings.webhook_allowed_networks, settings.webhook_timeout_seconds)
    except TargetError as exc:
        raise BadParameter("url", "body", str(exc)) from None


def _delivery_key(value: list[Any]) -> tuple[datetime, str]:
    created, delivery_id = value
    at = datetime.fromisoformat(created)
    if at.tzinfo is None or not isinstance(delivery_id, str) or len(delivery_id) > 40:
        raise ValueError("bad key")
    return at, delivery_id


def router(runtime: ServiceRuntime) -> APIRouter:
    settings = runtime.settings
    api = APIRouter(prefix="/api/v1", tags=["webhooks"], dependencies=[Depends(writer(settings, "webhooks"))])
    by_id = {"parameters": {"webhook_id": "$response.body#/id"}}
    links = {"GetWebhook": {"operationId": "get_webhook_api_v1_webhooks__webhook_id__get", **by_id},
             "PatchWebhook": {"operationId": "patch_webhook_api_v1_webhooks__webhook_id__patch", **by_id},
             "DeleteWebhook": {"operationId": "delete_webhook_api_v1_webhooks__webhook_id__delete", **by_id},
             "GetDeliveries": {"operationId": "list_deliveries_api_v1_webhooks__webhook_id__deliveries_get",
                               **by_id}}

    async def load(repo: Repository, webhook_id: str) -> WebhookSubscription:
        subscription = await repo.get_subscription(webhook_id)
        if subscription is None:
            raise HTTPException(404, f"no webhook {webhook_id}")
        return subscription

    @api.post("/webhooks", response_model=WebhookCreated, status_code=201, openapi_extra=WRITE_SECURITY,
              responses={201: {"description": "Created; the secret is shown this once", "links": links},
                         **problems(401, 403, 409, 413, 422)},
              summary="Subscribe a URL to a profile's digests (or papers)")
    async def create_webhook(body: WebhookCreate) -> WebhookCreated:
        if body.feishu_secret is not None and body.format != "feishu":
            raise BadParameter("feishu_secret", "body", "only a feishu webhook takes a Feishu signing secret")
        if body.secret is not None:
            try:
                secret_key(body.secret)
            except SecretError as exc:
                raise BadParameter("secret", "body", str(exc)) from None
        url = await checked_url(body.url, settings)
        now = runtime.env.clock()
        async with runtime.env.sessions() as session, session.begin():
            repo = Repository(session)
            await repo.lock("profiles")  # two creations at once cannot both take the last place
            profile = await repo.get_profile(body.profile)
            # `default` is config.json's top level: it exists before the first fetch has stored it.
            if body.profile != DEFAULT_PROFILE and (profile is None or profile.deleted):
                raise BadParameter("profile", "body", f"no profile named {body.profile!r}")
            if await repo.count_subscriptions(body.profile) >= MAX_WEBHOOKS:
                raise HTTPException(409, f"profile {body.profile!r} has {MAX_WEBHOOKS} webhooks already, the most a "
                                         "profile takes: delete one first")
            subscription = WebhookSubscription(
                id="wh_" + uuid.uuid4().hex, url=url, profile=body.profile, format=body.format, per=body.per,
                origin=ProfileOrigin.API, secret=body.secret or new_secret(), feishu_secret=body.feishu_secret,
                created_at=now, updated_at=now)
            repo.add(subscription)
        return WebhookCreated(**view(subscription).model_dump(), secret=subscription.secret or "")

    @api.get("/webhooks", response_model=Page[Webhook], openapi_extra=WRITE_SECURITY,
             responses=problems(401, 403, 422), summary="Webhook subscriptions, a page at a time")
    async def list_webhooks(request: Request, response: Response,
                            limit: Limit = DEFAULT_LIMIT,
                            cursor: Cursor = None) -> dict[str, Any]:
        after = decode_cursor(cursor, "webhooks", lambda v: str(v[0])[:40])
        async with runtime.env.sessions() as session:
            rows = await Repository(session).subscriptions_page(after, limit + 1)
        rows, next_link = paginate(request, response, rows, limit, "webhooks", lambda s: [s.id])
        return {"items": [view(s) for s in rows], "next": next_link}

    @api.get("/webhooks/{webhook_id}", response_model=Webhook, openapi_extra=WRITE_SECURITY,
             responses=problems(401, 403, 404, 422), summary="One subscription")
    async def get_webhook(webhook_id: IdParam) -> Webhook:
        async with runtime.env.sessions() as session:
            return view(await load(Repository(session), webhook_id))

    @api.patch("/webhooks/{webhook_id}", response_model=Webhook, openapi_extra=WRITE_SECURITY,
               responses=problems(401, 403, 404, 413, 422),
               summary="Pause, resume (deliveries waiting go out at once) or move a subscription")
    async def patch_webhook(webhook_id: IdParam, body: WebhookPatch) -> Webhook:
        url = await checked_url(body.url, settings) if body.url is not None else None
        now = runtime.env.clock()
        async with runtime.env.sessions() as session, session.begin():
            repo = Repository(session)
            subscription = await load(repo, webhook_id)
            if url is not None:
                subscription.url, subscription.updated_at = url, now
            if body.active is True and not subscription.active:
                await repo.resume(subscription, now)
            elif body.active is False and subscription.active:
                subscription.active, subscription.paused_reason = False, "paused through the API"
                subscription.updated_at = now
            repo.add(subscription)
        return view(subscription)

    @api.delete("/webhooks/{webhook_id}", status_code=204, openapi_extra=WRITE_SECURITY,
                responses=problems(401, 403, 404, 422), summary="Delete a subscription (its log stays)")
    async def delete_webhook(webhook_id: IdParam) -> Response:
        async with runtime.env.sessions() as session, session.begin():
            repo = Repository(session)
            subscription = await load(repo, webhook_id)
            subscription.deleted, subscription.active = True, False
            subscription.updated_at = runtime.env.clock()
            repo.add(subscription)
        return Response(status_code=204)

    @api.get("/webhooks/{webhook_id}/deliveries", response_model=Page[Delivery], openapi_extra=WRITE_SECURITY,
             responses=problems(401, 403, 404, 422),
             summary="The subscription's deliveries, newest first, each with its log of attempts")
    async def list_deliveries(webhook_id: IdParam, request: Request, response: Response,
                              limit: Limit = DEFAULT_LIMIT,
                              cursor: Cursor = None) -> dict[str, Any]:
        after = decode_cursor(cursor, "deliveries", _delivery_key)
        async with runtime.env.sessions() as session:
            repo = Repository(session)
            await load(repo, webhook_id)
            rows = await repo.deliveries_page(webhook_id, after, limit + 1)
            rows, next_link = paginate(request, response, rows, limit, "deliveries",
                                       lambda d: [d.created_at.isoformat(), d.id])
            logs = await repo.attempts_of([d.id for d in rows])
        return {"items": [delivery_view(d, logs[d.id]) for d in rows], "next": next_link}

    return api
