"""AutoGen AgentChat agents on Qwen 3, traced the way AutoGen's documentation recommends, exported to tracebridge.

Instrumentation as in AutoGen's "Tracing and Observability" guide: the program builds its own OTel TracerProvider
with an OTLP span exporter and a BatchSpanProcessor, sets it as the global provider (AutoGen's runtime and its
create_agent / invoke_agent / execute_tool spans use it), and instruments the OpenAI client library with
`opentelemetry-instrumentation-openai` (OpenLLMetry) for the chat spans. Only the environment points it elsewhere:

  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / _HEADERS / _COMPRESSION   the exporter (gRPC, as in AutoGen's guide)
  OPENAI_BASE_URL / OPENAI_API_KEY                               the OpenAI-compatible server serving Qwen

Two traces, each under a span of the program's own tracer (as the guide wraps a team run):

  run_search_agent   an AssistantAgent with a search_web tool and reflect_on_tool_use: tool call, tool, answer
  run_graph_flow     a two-agent GraphFlow (researcher -> writer); the researcher uses search_web

and the same GraphFlow once more without a span around it (run_graph_flow_unwrapped): AutoGen's runtime then
starts a new trace for every message it delivers, linked to the span that sent the message — one run of linked
traces for tracebridge to stitch together.
"""

import asyncio
import os

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.openai import OpenAIInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

# Set up the telemetry span exporter (endpoint, headers and compression from OTEL_EXPORTER_OTLP_TRACES_*).
otel_exporter = OTLPSpanExporter()
span_processor = BatchSpanProcessor(otel_exporter)

# Set up the tracer provider.
tracer_provider = TracerProvider(resource=Resource({"service.name": "autogen-qwen-agents"}))
tracer_provider.add_span_processor(span_processor)
trace.set_tracer_provider(tracer_provider)

# Instrument the OpenAI Python library.
OpenAIInstrumentor().instrument()

from autogen_agentchat.agents import AssistantAgent  # noqa: E402
from autogen_agentchat.teams import DiGraphBuilder, GraphFlow  # noqa: E402
from autogen_ext.models.openai import OpenAIChatCompletionClient  # noqa: E402

MODEL_NAME = "qwen-plus-latest"


def qwen_client() -> OpenAIChatCompletionClient:
    return OpenAIChatCompletionClient(
        model=MODEL_NAME,
        base_url=os.environ["OPENAI_BASE_URL"],
        api_key=os.environ["OPENAI_API_KEY"],
        temperature=0.01,
        model_info={
            "vision": False,
            "function_calling": True,
            "json_output": True,
            "family": "qwen",
            "structured_output": True,
            "multiple_system_messages": False,
        },
    )


async def search_web(query: str) -> str:
    """Find information on the web."""
    return f"Qwen3 search results for '{query}': Qwen3 adds hybrid thinking modes and MCP support."


async def run_search_agent(tracer: trace.Tracer) -> None:
    model_client = qwen_client()
    with tracer.start_as_current_span("run_search_agent"):
        agent = AssistantAgent(
            name="search_agent",
            model_client=model_client,
            tools=[search_web],
            system_message="You are a helpful assistant, and you use search_web tool to find information on the web.",
            reflect_on_tool_use=True,
        )
        result = await agent.run(task="What is new in Qwen3?")
        print("search_agent:", result.messages[-1].content, flush=True)
    await model_client.close()


def graph_flow(model_client: OpenAIChatCompletionClient) -> GraphFlow:
    researcher = AssistantAgent(
        name="researcher",
        model_client=model_client,
        tools=[search_web],
        system_message="You are a researcher. Use search_web to find facts for the task.",
        reflect_on_tool_use=True,
    )
    writer = AssistantAgent(
        name="writer",
        model_client=model_client,
        system_message="You are a writer. Turn the researcher's facts into one short paragraph.",
    )
    builder = DiGraphBuilder()
    builder.add_node(researcher).add_node(writer)
    builder.add_edge(researcher, writer)
    return GraphFlow(participants=builder.get_participants(), graph=builder.build())


async def run_graph_flow_unwrapped() -> None:
    model_client = qwen_client()
    result = await graph_flow(model_client).run(task="Write a short note on the thinking modes of Qwen3.")
    print("graph_flow_unwrapped:", result.messages[-1].content, result.stop_reason, flush=True)
    await model_client.close()


async def run_graph_flow(tracer: trace.Tracer) -> None:
    model_client = qwen_client()
    with tracer.start_as_current_span("run_graph_flow"):
        researcher = AssistantAgent(
            name="researcher",
            model_client=model_client,
            tools=[search_web],
            system_message="You are a researcher. Use search_web to find facts for the task.",
            reflect_on_tool_use=True,
        )
        writer = AssistantAgent(
            name="writer",
            model_client=model_client,
            system_message="You are a writer. Turn the researcher's facts into one short paragraph.",
        )
        builder = DiGraphBuilder()
        builder.add_node(researcher).add_node(writer)
        builder.add_edge(researcher, writer)
        flow = GraphFlow(participants=builder.get_participants(), graph=builder.build())
        result = await flow.run(task="Write a short note on what is new in Qwen3.")
        print("graph_flow:", result.messages[-1].content, result.stop_reason, flush=True)
    await model_client.close()


async def main() -> None:
    tracer = trace.get_tracer("autogen-qwen-agents")
    await run_search_agent(tracer)
    await run_graph_flow(tracer)
    await run_graph_flow_unwrapped()


if __name__ == "__main__":
    asyncio.run(main())
    tracer_provider.force_flush()
    tracer_provider.shutdown()
