"""The OpenAI Agents SDK (openai-agents) traced by OpenInference (openinference-instrumentation-openai-agents, which
replaces the SDK's own trace exporter with an OTel span processor), exported over OTLP/HTTP protobuf. The agents
talk to the OpenAI-compatible server through the Chat Completions model (the fake server has no Responses API).

Only the environment points it elsewhere: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and OTEL_SERVICE_NAME for the exporter,
OPENAI_BASE_URL / OPENAI_API_KEY for the server.

One trace: a triage agent hands off to a search agent, which calls search_web and answers.
"""

from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_export_api_key
from openai import AsyncOpenAI
from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

tracer_provider = TracerProvider()  # resource from OTEL_SERVICE_NAME
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
OpenAIAgentsInstrumentor().instrument(tracer_provider=tracer_provider)
set_tracing_export_api_key("unused")  # the SDK's own exporter is replaced; nothing is sent with it

model = OpenAIChatCompletionsModel(model="qwen-plus-latest", openai_client=AsyncOpenAI())


@function_tool
def search_web(query: str) -> str:
    """Find information on the web.

    Args:
        query: What you want to search for.
    """
    return f"Qwen3 search results for '{query}': hybrid thinking modes."


search_agent = Agent(
    name="search_agent",
    instructions="You are a helpful assistant, and you use search_web tool to find information.",
    model=model,
    tools=[search_web],
)
triage_agent = Agent(
    name="triage_agent",
    instructions="Hand every question to the search agent.",
    model=model,
    handoffs=[search_agent],
)

if __name__ == "__main__":
    result = Runner.run_sync(triage_agent, "What is new in Qwen3?")
    print("answer:", result.final_output, flush=True)
    tracer_provider.force_flush()
    tracer_provider.shutdown()
