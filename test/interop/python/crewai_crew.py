"""A CrewAI crew (one agent with one tool, one task) on the OpenAI-compatible server, traced by OpenInference
(openinference-instrumentation-crewai for the crew / task / agent / tool steps, openinference-instrumentation-openai
for the model calls), exported over OTLP/HTTP protobuf. CrewAI's own telemetry and tracing are switched off
(CREWAI_DISABLE_TELEMETRY, CREWAI_TRACING_ENABLED) so nothing leaves the machine.

Only the environment points it elsewhere: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and OTEL_SERVICE_NAME for the exporter,
OPENAI_BASE_URL / OPENAI_API_KEY for the server.
"""

import os

os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")
os.environ.setdefault("OTEL_SDK_DISABLED", "false")

from crewai import LLM, Agent, Crew, Task  # noqa: E402
from crewai.tools import tool  # noqa: E402
from openinference.instrumentation.crewai import CrewAIInstrumentor  # noqa: E402
from openinference.instrumentation.openai import OpenAIInstrumentor  # noqa: E402
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: E402

tracer_provider = TracerProvider()  # resource from OTEL_SERVICE_NAME
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
CrewAIInstrumentor().instrument(tracer_provider=tracer_provider)
OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)


@tool("search_web")
def search_web(query: str) -> str:
    """Find information on the web."""
    return f"Qwen3 search results for '{query}': hybrid thinking modes."


llm = LLM(
    model="openai/qwen-plus-latest",
    base_url=os.environ["OPENAI_BASE_URL"],
    api_key=os.environ["OPENAI_API_KEY"],
    temperature=0.01,
)
researcher = Agent(
    role="researcher",
    goal="Answer questions with search_web.",
    backstory="You are a helpful assistant, and you use search_web tool to find information.",
    tools=[search_web],
    llm=llm,
    verbose=False,
)
task = Task(description="What is new in Qwen3?", expected_output="A short answer.", agent=researcher)

if __name__ == "__main__":
    result = Crew(agents=[researcher], tasks=[task], verbose=False).kickoff()
    print("answer:", result.raw, flush=True)
    tracer_provider.force_flush()
    tracer_provider.shutdown()
