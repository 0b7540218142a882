"""Plain OpenTelemetry Python SDK: an application that writes OTel GenAI semantic-convention spans by hand and
exports them with the standard OTLP exporter, configured only through the standard environment variables:

  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL      grpc | http/protobuf: picks the gRPC or the HTTP exporter class
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT      the bridge
  OTEL_EXPORTER_OTLP_TRACES_COMPRESSION   gzip
  OTEL_EXPORTER_OTLP_TRACES_HEADERS       x-tracebridge-experiment=…
  OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES

One trace: invoke_agent weather (AGENT) > chat qwen-plus-latest (CHAT_MODEL: messages, tool call, usage) >
execute_tool get_weather (TOOL: arguments, result) and a second execute_tool that fails (exception event,
error.type), then a final chat. Attribute values of every OTLP kind (string, int, double, bool, arrays), a span
event and a span link.
"""

import json
import os
import time

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

if os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc") == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
else:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

provider = TracerProvider(resource=Resource.create({"deployment.environment.name": "interop"}))
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(provider)
tracer = trace.get_tracer("weather-agent", "1.2.3")

MODEL = "qwen-plus-latest"
QUESTION = "What is the weather in Paris?"
ANSWER = "It is sunny and 21°C in Paris."


def parts(text: str) -> list[dict]:
    return [{"type": "text", "content": text}]


def chat(messages: list[dict], output: list[dict], usage: tuple[int, int], finish: str, response_id: str) -> None:
    with tracer.start_as_current_span(f"chat {MODEL}", kind=SpanKind.CLIENT) as span:
        span.set_attributes(
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": MODEL,
                "gen_ai.request.temperature": 0.2,
                "gen_ai.request.max_tokens": 256,
                "gen_ai.request.stop_sequences": ["\n\n"],
                "gen_ai.input.messages": json.dumps(messages),
                "gen_ai.output.messages": json.dumps(output),
                "gen_ai.response.model": "qwen-plus-2025-01-25",
                "gen_ai.response.id": response_id,
                "gen_ai.response.finish_reasons": [finish],
                "gen_ai.usage.input_tokens": usage[0],
                "gen_ai.usage.output_tokens": usage[1],
                "server.address": "dashscope.example",
                "server.port": 443,
                "gen_ai.openai.response.service_tier": "default",
                "tracebridge.test.streaming": False,
            }
        )


def execute_tool(name: str, call_id: str, arguments: dict, result: dict | None, error: Exception | None = None):
    with tracer.start_as_current_span(f"execute_tool {name}", record_exception=False, set_status_on_exception=False) as span:
        span.set_attributes(
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": name,
                "gen_ai.tool.type": "function",
                "gen_ai.tool.call.id": call_id,
                "gen_ai.tool.call.arguments": json.dumps(arguments),
            }
        )
        if error is not None:
            span.record_exception(error)
            span.set_attribute("error.type", type(error).__name__)
            span.set_status(Status(StatusCode.ERROR, str(error)))
            return
        span.set_attribute("gen_ai.tool.call.result", json.dumps(result))
        span.set_status(Status(StatusCode.OK))


def main() -> None:
    with tracer.start_as_current_span("plan", attributes={"plan.steps": 2}) as plan:
        time.sleep(0.001)
    planned = Link(plan.get_span_context(), {"link.reason": "planned-by"})

    with tracer.start_as_current_span(
        "invoke_agent weather",
        links=[planned],
        attributes={
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "weather",
            "gen_ai.agent.id": "agent-weather-1",
            "gen_ai.provider.name": "openai",
            "gen_ai.conversation.id": "conv-2025-01",
            "user.id": "user-7",
        },
    ) as agent:
        user = {"role": "user", "parts": parts(QUESTION)}
        call = {"type": "tool_call", "id": "call_weather", "name": "get_weather", "arguments": {"city": "Paris"}}
        chat(
            [{"role": "system", "parts": parts("You are a weather agent.")}, user],
            [{"role": "assistant", "parts": [call], "finish_reason": "tool_call"}],
            (42, 17),
            "tool_call",
            "chatcmpl-w1",
        )
        execute_tool("get_weather", "call_weather", {"city": "Paris"}, {"sky": "sunny", "celsius": 21})
        execute_tool(
            "get_air_quality",
            "call_air",
            {"city": "Paris"},
            None,
            TimeoutError("air quality service timed out after 2s"),
        )
        chat(
            [
                user,
                {"role": "assistant", "parts": [call]},
                {
                    "role": "tool",
                    "parts": [{"type": "tool_call_response", "id": "call_weather", "response": {"sky": "sunny", "celsius": 21}}],
                },
            ],
            [{"role": "assistant", "parts": parts(ANSWER), "finish_reason": "stop"}],
            (80, 12),
            "stop",
            "chatcmpl-w2",
        )
        agent.add_event("agent.answered", {"answer.length": len(ANSWER), "answer.cached": False})


if __name__ == "__main__":
    main()
    provider.force_flush()
    provider.shutdown()
    print("done", flush=True)
