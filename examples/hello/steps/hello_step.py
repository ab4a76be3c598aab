"""Say hello: an API step, then two event steps, with state and a trace id throughout."""

from __future__ import annotations

from pydantic import BaseModel, Field

from stepflow import ApiRequest, ApiResponse, Context, api_step, event_step


class Greeting(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class Greeted(BaseModel):
    name: str
    message: str


@api_step(
    name="SayHello",
    method="POST",
    path="/hello",
    body=Greeting,
    emits=["hello.requested"],
    flows=["hello"],
)
async def say_hello(req: ApiRequest[Greeting], ctx: Context) -> ApiResponse:
    ctx.logger.info("greeting requested", extra={"who": req.body.name})
    await ctx.emit("hello.requested", req.body)
    return ApiResponse(status=202, body={"trace_id": ctx.trace_id})


@event_step(
    name="ComposeGreeting",
    subscribes=["hello.requested"],
    input=Greeting,
    emits=["hello.composed"],
    flows=["hello"],
)
async def compose(greeting: Greeting, ctx: Context) -> None:
    message = f"Hello, {greeting.name}!"
    ctx.logger.info("greeting composed", extra={"greeting": message})
    await ctx.emit("hello.composed", Greeted(name=greeting.name, message=message))


@event_step(
    name="RememberGreeting",
    subscribes=["hello.composed"],
    input=Greeted,
    flows=["hello"],
)
async def remember(greeted: Greeted, ctx: Context) -> None:
    await ctx.state.set("greetings", greeted.name, greeted.message)
    ctx.logger.info("greeting stored", extra={"greeting": greeted.message})
