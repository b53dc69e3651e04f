"""Profiles through the API: read by anyone (unless reads need the token), written with the token.

A PUT body is a profile exactly as config.json's `profiles.<name>` takes it, resolved over the stored
`default` profile, and validated by the same code (shared.profiles), so an error names the key the same
way. What a profile cannot say: where the LLM lives, which model, which key; those belong to the
deployment's settings, so a token holder cannot point the key at another host. A change applies from the
next run; config.json no longer overrides a profile the API wrote (its origin becomes `api`).
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException

from shared.config import BotConfig
from shared.models import Profile
from shared.profiles import (DEFAULT_PROFILE, MAX_PROFILES, PROFILE_KEYS, ProfileFields, ProfileSettings, TermBudget,
                             error_key, resolve, term_problems)
from shared.repository import Repository
from shared.service import ServiceRuntime
from shared.stages import ProfileOrigin

from services.publisher.api.access import READ_SECURITY, WRITE_SECURITY, problems, reader, writer
from services.publisher.api.errors import BadParameter

NAME = r"^[a-z0-9-]{1,40}$"
SUMMARY_KEYS = {"max_papers_to_summarize"}
NameParam = Annotated[str, Path(pattern=NAME, description="1 to 40 characters of a-z, 0-9 and '-'")]


class ProfileView(BaseModel):
    name: str
    version: int
    origin: str
    updated_at: datetime
    settings: dict[str, Any]


class ProfileList(BaseModel):
    items: list[ProfileView]


def view(profile: Profile) -> ProfileView:
    return ProfileView(name=profile.name, version=profile.version, origin=profile.origin,
                       updated_at=profile.updated_at, settings=profile.settings)


def body_schema() -> dict[str, Any]:
    """The PUT body for the OpenAPI document: config.json's profile keys, every one optional."""
    schema = ProfileFields.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = schema.pop("$defs", {})
    schema.pop("required", None)
    schema["properties"]["ai_summary"] = {"type": "object", "additionalProperties": False, "properties": {
        "max_papers_to_summarize": {"type": "integer", "minimum": 0, "maximum": 200}}}
    schema.update(title="ProfileBody", additionalProperties=False)
    return {"schema": schema, "definitions": definitions}


def check_keys(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadParameter("body", "body", "expected a JSON object of profile keys")
    for key, value in body.items():
        if key not in PROFILE_KEYS:
            raise BadParameter(key, "body", "not a profile key (the keys a profile takes in config.json)")
        if key == "ai_summary":
            if not isinstance(value, dict):
                raise BadParameter(key, "body", "expected an object")
            for inner in value:
                if inner not in SUMMARY_KEYS:
                    raise BadParameter(f"ai_summary.{inner}", "body",
                                       "a profile may set only ai_summary.max_papers_to_summarize; the LLM "
                                       "endpoint, model and key belong to the deployment's settings")
    return body


def router(runtime: ServiceRuntime) -> APIRouter:
    settings = runtime.settings
    api = APIRouter(prefix="/api/v1", tags=["profiles"])
    read = [Depends(reader(settings))]
    write = [Depends(writer(settings, "writing profiles"))]
    links = {"GetProfile": {"operationId": "get_profile_api_v1_profiles__name__get",
                            "parameters": {"name": "$request.path.name"}},
             "DeleteProfile": {"operationId": "delete_profile_api_v1_profiles__name__delete",
                               "parameters": {"name": "$request.path.name"}}}
    documented = body_schema()

    @api.get("/profiles", response_model=ProfileList, dependencies=read, openapi_extra=READ_SECURITY,
             responses=problems(401, 403), summary="Every profile, `default` first")
    async def list_profiles() -> ProfileList:
        async with runtime.env.sessions() as session:
            return ProfileList(items=[view(p) for p in await Repository(session).active_profiles()])

    @api.get("/profiles/{name}", response_model=ProfileView, dependencies=read, openapi_extra=READ_SECURITY,
             responses=problems(401, 403, 404, 422), summary="One profile's resolved settings")
    async def get_profile(name: NameParam) -> ProfileView:
        async with runtime.env.sessions() as session:
            profile = await Repository(session).get_profile(name)
        if profile is None or profile.deleted:
            raise HTTPException(404, f"no profile named {name!r}")
        return view(profile)

    @api.put("/profiles/{name}", response_model=ProfileView, dependencies=write,
             openapi_extra={**WRITE_SECURITY, "requestBody": {"required": True, "content": {
                 "application/json": {"schema": documented["schema"]}}}},
             responses={200: {"description": "Changed", "links": links},
                        201: {"model": ProfileView, "description": "Created", "links": links},
                        **problems(401, 403, 409, 413, 422)},
             summary="Create or change a profile (applies from the next run)")
    async def put_profile(name: NameParam, request: Request, response: Response) -> ProfileView:
        try:
            body = check_keys(json.loads(await request.body() or b"null"))
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser can follow
            raise BadParameter("body", "body", "not valid JSON") from None
        now = runtime.env.clock()
        async with runtime.env.sessions() as session, session.begin():
            repo = Repository(session)
            await repo.lock("profiles")
            base = await repo.get_profile(DEFAULT_PROFILE)
            try:
                resolved = resolve(name, base.settings if base and not base.deleted else BotConfig().snapshot(),
                                   body)
            except ValidationError as exc:
                key, message, _ = error_key(exc)
                raise BadParameter(key, "body", message) from None
            if problems := term_problems(resolved):
                key, message, _ = problems[0]
                raise BadParameter(key, "body", message)
            existing = await repo.get_profile(name)
            created = existing is None or existing.deleted  # read before the write changes the same object
            active = await repo.active_profiles()
            # Every active profile is scored at every run: a script gone wrong must not make it endless.
            if created and len(active) > MAX_PROFILES:
                raise HTTPException(409, f"there are {MAX_PROFILES:,} profiles besides {DEFAULT_PROFILE!r} already, "
                                         "the most a deployment takes: delete one first")
            budget = TermBudget()
            for other in active:
                if other.name != name:
                    budget.take(ProfileSettings.model_validate(other.settings))
            if not budget.take(resolved):
                raise HTTPException(409, f"{budget.refusal()}: shorten this profile's terms or delete another")
            profile = await repo.write_profile(name, resolved.model_dump(mode="json"), ProfileOrigin.API, now)
        response.status_code = 201 if created else 200
        return view(profile)

    @api.delete("/profiles/{name}", status_code=204, dependencies=write, openapi_extra=WRITE_SECURITY,
                responses=problems(401, 403, 404, 409, 422), summary="Delete a profile (from the next run)")
    async def delete_profile(name: NameParam) -> Response:
        if name == DEFAULT_PROFILE:
            raise HTTPException(409, "the default profile cannot be deleted; change it with PUT")
        async with runtime.env.sessions() as session, session.begin():
            repo = Repository(session)
            await repo.lock("profiles")
            profile = await repo.get_profile(name)
            if profile is None or profile.deleted:
                raise HTTPException(404, f"no profile named {name!r}")
            await repo.write_profile(name, None, ProfileOrigin.API, runtime.env.clock())
        return Response(status_code=204)

    return api
