"""A Strands Agents agent with one tool on the OpenAI-compatible server, traced by Strands' native OpenTelemetry
spans (StrandsTelemetry with its OTLP/HTTP exporter). Only the environment points it elsewhere:
OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_SERVICE_NAME for the exporter, OPENAI_BASE_URL / OPENAI_API_KEY for the server,
and OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental for Strands' latest-semconv mode.

One trace: invoke_agent search_agent > execute_event_loop_cycle > chat (tool call) > execute_tool search_web,
then a second cycle > chat (answer).
"""

import os

from strands import Agent, tool
from strands.models.openai import OpenAIModel
from strands.telemetry import StrandsTelemetry

telemetry = StrandsTelemetry().setup_otlp_exporter()


@tool
def search_web(query: str) -> str:
    """Find information on the web.

    Args:
        query: What you want to search for.
    """
    return f"Qwen3 search results for '{query}': hybrid thinking modes."


model = OpenAIModel(
    client_args={"base_url": os.environ["OPENAI_BASE_URL"], "api_key": os.environ["OPENAI_API_KEY"]},
    model_id="qwen-plus-latest",
    params={"temperature": 0.01},
)
agent = Agent(
    model=model,
    name="search_agent",
    system_prompt="You are a helpful assistant, and you use search_web tool to find information.",
    tools=[search_web],
    callback_handler=None,
)

if __name__ == "__main__":
    result = agent("What is new in Qwen3?")
    print("answer:", str(result).strip(), flush=True)
    telemetry.tracer_provider.force_flush()
    telemetry.tracer_provider.shutdown()
