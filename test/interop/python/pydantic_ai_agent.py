"""A Pydantic AI agent with one tool on the OpenAI-compatible server, traced by Pydantic AI's own OpenTelemetry
instrumentation (`Agent.instrument_all`, what Logfire turns on) into the OTel SDK, exported over OTLP/HTTP protobuf.

Only the environment points it elsewhere: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and OTEL_SERVICE_NAME for the exporter,
OPENAI_BASE_URL / OPENAI_API_KEY for the server. PYDANTIC_AI_INSTRUMENTATION_VERSION chooses the instrumentation
version (default: the library's; 2 is the older shape with `agent run` / `running tool` spans and
tool_arguments / tool_response keys).

One trace per run: invoke_agent search_agent > chat (tool call) > execute_tool search_web > chat (answer).
"""

import os

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from pydantic_ai import Agent
from pydantic_ai.models.instrumented import InstrumentationSettings
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

tracer_provider = TracerProvider()  # resource from OTEL_SERVICE_NAME
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))

version = os.environ.get("PYDANTIC_AI_INSTRUMENTATION_VERSION")
settings = InstrumentationSettings(tracer_provider=tracer_provider, include_content=True)
if version:
    settings = InstrumentationSettings(tracer_provider=tracer_provider, include_content=True, version=int(version))
Agent.instrument_all(settings)

model = OpenAIChatModel(
    "qwen-plus-latest",
    provider=OpenAIProvider(base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"]),
)
agent = Agent(
    model,
    name="search_agent",
    instructions="You are a helpful assistant, and you use search_web tool to find information.",
)


@agent.tool_plain
def search_web(query: str) -> str:
    """Find information on the web."""
    return f"Qwen3 search results for '{query}': hybrid thinking modes."


if __name__ == "__main__":
    result = agent.run_sync("What is new in Qwen3?")
    print("answer:", result.output, flush=True)
    tracer_provider.force_flush()
    tracer_provider.shutdown()
