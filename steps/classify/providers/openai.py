"""OpenAI-compatible chat completions (OpenAI, LM Studio, Ollama, vLLM)."""

from __future__ import annotations

import json
from typing import Any

from steps.classify.providers.http import (
    HTTPProvider,
    Message,
    ReplyRead,
    parse_json_text,
)
from steps.classify.providers.prompt import SCHEMA_NAME, Prompt, classification_schema


class OpenAIProvider(HTTPProvider):
    """POST {base_url}/chat/completions with a strict JSON-schema response format."""

    name = "openai"

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def headers(self) -> dict[str, str]:
        if self.settings.llm_api_key:
            return {"authorization": f"Bearer {self.settings.llm_api_key}"}
        return {}

    def prompt_messages(self, prompt: Prompt) -> list[Message]:
        return [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user},
        ]

    def build_body(self, messages: list[Message], prompt: Prompt | None = None) -> dict[str, Any]:
        schema = prompt.schema if prompt is not None else classification_schema()
        return {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": SCHEMA_NAME,
                    "strict": True,
                    "schema": schema,
                },
            },
        }

    def read_reply(self, raw: str) -> ReplyRead:
        try:
            envelope = json.loads(raw)
            message = envelope["choices"][0]["message"]
        except (ValueError, KeyError, IndexError, TypeError):
            return ReplyRead(
                value=None,
                error="the response is not a chat completion",
                model=None,
                assistant={"role": "assistant", "content": raw[:4_000]},
            )
        model = envelope.get("model")
        model = model if isinstance(model, str) and model else None
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str) or not content.strip():
            refusal = message.get("refusal") if isinstance(message, dict) else None
            error = f"the model refused: {refusal}" if refusal else "the reply is empty"
            return ReplyRead(
                value=None,
                error=error,
                model=model,
                assistant={"role": "assistant", "content": str(content or "")},
            )
        assistant: Message = {"role": "assistant", "content": content}
        try:
            value = parse_json_text(content)
        except ValueError as exc:
            return ReplyRead(value=None, error=str(exc), model=model, assistant=assistant)
        return ReplyRead(value=value, error=None, model=model, assistant=assistant)
