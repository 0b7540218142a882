"""A LangGraph ReAct agent (langgraph.prebuilt.create_react_agent) on langchain-openai's ChatOpenAI, traced by
OpenInference (openinference-instrumentation-langchain), exported over OTLP/HTTP protobuf.

Only the environment points it elsewhere: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and OTEL_SERVICE_NAME for the exporter,
OPENAI_BASE_URL / OPENAI_API_KEY for the server.

One trace: LangGraph > agent (model call, tool call back) > tools (search_web) > agent (answer).
"""

from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.prebuilt import create_react_agent
from openinference.instrumentation.langchain import LangChainInstrumentor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

tracer_provider = TracerProvider()  # resource from OTEL_SERVICE_NAME
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
LangChainInstrumentor().instrument(tracer_provider=tracer_provider)


@tool
def search_web(query: str) -> str:
    """Find information on the web."""
    return f"Qwen3 search results for '{query}': hybrid thinking modes."


agent = create_react_agent(
    ChatOpenAI(model="qwen-plus-latest", temperature=0.01),
    tools=[search_web],
    prompt="You are a helpful assistant, and you use search_web tool to find information.",
)

if __name__ == "__main__":
    state = agent.invoke({"messages": [{"role": "user", "content": "What is new in Qwen3?"}]})
    print("answer:", state["messages"][-1].content, flush=True)
    tracer_provider.force_flush()
    tracer_provider.shutdown()
