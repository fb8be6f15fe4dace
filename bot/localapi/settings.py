"""Bot API methods of the fake server: updates, webhook, command menus and descriptions."""

from __future__ import annotations

import re

from bot.localapi.methods import ApiError, Files, bad_request, method
from bot.localapi.server import LocalBotApi, scope_key
from bot.localapi.updates import JSON

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@method("getUpdates")
async def get_updates(api: LocalBotApi, params: JSON, files: Files) -> list[JSON]:
    """Long-polls the pending updates, acknowledging those below `offset`."""
    if api.webhook.get("url"):
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    limit = min(max(int(params.get("limit") or 100), 1), 100)
    return await api.wait_updates(
        int(params.get("offset") or 0), limit, float(params.get("timeout") or 0)
    )


@method("setWebhook")
def set_webhook(api: LocalBotApi, params: JSON, files: Files) -> bool:
    """Sets (or, with an empty url, removes) the webhook."""
    url = str(params.get("url") or "")
    if url and not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET.fullmatch(str(secret)):
        raise bad_request("secret token contains unallowed characters")
    if params.get("drop_pending_updates"):
        api.pending.clear()
    api.webhook = {"url": url}
    if url:
        api.webhook.update(
            secret_token=secret,
            max_connections=params.get("max_connections", 40),
            allowed_updates=params.get("allowed_updates"),
        )
    return True


@method("deleteWebhook")
def delete_webhook(api: LocalBotApi, params: JSON, files: Files) -> bool:
    """Removes the webhook so that getUpdates works."""
    if params.get("drop_pending_updates"):
        api.pending.clear()
    api.webhook = {"url": ""}
    return True


@method("getWebhookInfo")
def get_webhook_info(api: LocalBotApi, params: JSON, files: Files) -> JSON:
    """The WebhookInfo object (the secret token is never echoed, as on Telegram)."""
    info: JSON = {
        "url": api.webhook["url"],
        "has_custom_certificate": False,
        "pending_update_count": len(api.pending),
    }
    if api.webhook["url"]:
        info["max_connections"] = api.webhook["max_connections"]
        if api.webhook.get("allowed_updates") is not None:
            info["allowed_updates"] = api.webhook["allowed_updates"]
    return info


def _language(params: JSON) -> str:
    code = str(params.get("language_code") or "")
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad_request("invalid language code specified")
    return code


@method("setMyCommands")
def set_my_commands(api: LocalBotApi, params: JSON, files: Files) -> bool:
    """Stores a command menu for a scope and language."""
    commands = list(params.get("commands") or [])
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    for command in commands:
        if not _COMMAND.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = (scope_key(params.get("scope")), _language(params))
    if commands:
        api.command_sets[key] = commands
    else:
        api.command_sets.pop(key, None)  # an empty list is how Telegram deletes a menu too
    return True


@method("getMyCommands")
def get_my_commands(api: LocalBotApi, params: JSON, files: Files) -> list[JSON]:
    """The commands stored for exactly this scope and language."""
    return api.command_sets.get((scope_key(params.get("scope")), _language(params)), [])


@method("deleteMyCommands")
def delete_my_commands(api: LocalBotApi, params: JSON, files: Files) -> bool:
    """Deletes the commands of a scope and language."""
    api.command_sets.pop((scope_key(params.get("scope")), _language(params)), None)
    return True


@method("setMyDescription")
def set_my_description(api: LocalBotApi, params: JSON, files: Files) -> bool:
    """Stores the description shown in an empty chat, per language."""
    text = str(params.get("description") or "")
    if len(text) > 512:
        raise bad_request("description is too long")
    api.descriptions[_language(params)] = text
    return True


@method("getMyDescription")
def get_my_description(api: LocalBotApi, params: JSON, files: Files) -> JSON:
    """The BotDescription for a language."""
    return {"description": api.description(_language(params))}


@method("setMyShortDescription")
def set_my_short_description(api: LocalBotApi, params: JSON, files: Files) -> bool:
    """Stores the short description shown on the profile page, per language."""
    text = str(params.get("short_description") or "")
    if len(text) > 120:
        raise bad_request("short description is too long")
    api.short_descriptions[_language(params)] = text
    return True


@method("getMyShortDescription")
def get_my_short_description(api: LocalBotApi, params: JSON, files: Files) -> JSON:
    """The BotShortDescription for a language."""
    return {"short_description": api.short_description(_language(params))}


@method("close", "logOut")
def close(api: LocalBotApi, params: JSON, files: Files) -> bool:
    """Accepted and ignored: there is no real server instance to close or log out of."""
    return True
