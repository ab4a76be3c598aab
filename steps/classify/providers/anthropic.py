"""The Anthropic Messages API, with a forced tool for structured output."""

from __future__ import annotations

import json
from typing import Any

from steps.classify.providers.http import (
    HTTPProvider,
    Message,
    ReplyRead,
    parse_json_text,
)
from steps.classify.providers.prompt import (
    CORRECTION_PROMPT,
    SYSTEM_PROMPT,
    TOOL_NAME,
    Prompt,
    classification_schema,
)

ANTHROPIC_VERSION = "2023-06-01"


class AnthropicProvider(HTTPProvider):
    """POST {base_url}/v1/messages; the answer is the `record_classification`
    tool call's input (or JSON in a text block, as a fallback)."""

    name = "anthropic"

    @property
    def url(self) -> str:
        return f"{self.base_url}/v1/messages"

    def headers(self) -> dict[str, str]:
        headers = {"anthropic-version": ANTHROPIC_VERSION}
        if self.settings.llm_api_key:
            headers["x-api-key"] = self.settings.llm_api_key
        return headers

    def prompt_messages(self, prompt: Prompt) -> list[Message]:
        return [{"role": "user", "content": prompt.user}]

    def build_body(self, messages: list[Message], prompt: Prompt | None = None) -> dict[str, Any]:
        system = prompt.system if prompt is not None else SYSTEM_PROMPT
        schema = prompt.schema if prompt is not None else classification_schema()
        return {
            "model": self.model,
            "max_tokens": self.max_output_tokens,
            "temperature": 0,
            "system": system,
            "messages": messages,
            "tools": [
                {
                    "name": TOOL_NAME,
                    "description": "Record the classification of the indicator.",
                    "input_schema": schema,
                }
            ],
            "tool_choice": {"type": "tool", "name": TOOL_NAME},
        }

    def read_reply(self, raw: str) -> ReplyRead:
        try:
            envelope = json.loads(raw)
            blocks = envelope["content"]
            if not isinstance(blocks, list):
                raise TypeError("content is not a list")
        except (ValueError, KeyError, TypeError):
            return ReplyRead(
                value=None,
                error="the response is not a Messages API reply",
                model=None,
                assistant={"role": "assistant", "content": raw[:4_000] or "(empty)"},
            )
        model = envelope.get("model")
        model = model if isinstance(model, str) and model else None
        kept: list[dict[str, Any]] = []
        tool_input: Any = None
        found_tool = False
        texts: list[str] = []
        for block in blocks:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "tool_use":
                kept.append(
                    {
                        "type": "tool_use",
                        "id": block.get("id", ""),
                        "name": block.get("name", TOOL_NAME),
                        "input": block.get("input", {}),
                    }
                )
                if not found_tool and block.get("name") == TOOL_NAME:
                    found_tool = True
                    tool_input = block.get("input")
            elif block.get("type") == "text" and isinstance(block.get("text"), str):
                kept.append({"type": "text", "text": block["text"]})
                texts.append(block["text"])
        assistant: Message = {"role": "assistant", "content": kept or "(empty reply)"}
        if found_tool:
            return ReplyRead(value=tool_input, error=None, model=model, assistant=assistant)
        try:
            value = parse_json_text("\n".join(texts))
        except ValueError as exc:
            error = str(exc)
            if envelope.get("stop_reason") == "max_tokens":
                error += " (cut off at max_tokens)"
            return ReplyRead(value=None, error=error, model=model, assistant=assistant)
        return ReplyRead(value=value, error=None, model=model, assistant=assistant)

    def correction(self, bad: ReplyRead, error: str) -> Message:
        """Answer each tool call with an error result, then ask again."""
        content: list[dict[str, Any]] = []
        blocks = bad.assistant.get("content")
        if isinstance(blocks, list):
            content.extend(
                {
                    "type": "tool_result",
                    "tool_use_id": block["id"],
                    "is_error": True,
                    "content": error,
                }
                for block in blocks
                if block.get("type") == "tool_use"
            )
        content.append({"type": "text", "text": CORRECTION_PROMPT.format(error=error)})
        return {"role": "user", "content": content}
