"""A LiveKit Agents voice agent run in text-only mode (AgentSession.run, the library's own test harness: no room,
no audio) with the OpenAI LLM plugin on the OpenAI-compatible server, traced by LiveKit's native OpenTelemetry spans
(livekit.agents.telemetry.set_tracer_provider) into the OTel SDK, exported over OTLP/HTTP protobuf.

Only the environment points it elsewhere: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and OTEL_SERVICE_NAME for the exporter,
OPENAI_BASE_URL / OPENAI_API_KEY for the server.

One trace: agent_session > agent_turn > llm_node > llm_request (tool call) > function_tool search_web, then
llm_node > llm_request (answer).
"""

import asyncio
import os

from livekit.agents import Agent, AgentSession, function_tool
from livekit.agents.telemetry import set_tracer_provider
from livekit.plugins import openai
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

tracer_provider = TracerProvider()  # resource from OTEL_SERVICE_NAME
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
set_tracer_provider(tracer_provider)


class SearchAgent(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="You are a helpful assistant, and you use search_web tool to find information.")

    @function_tool
    async def search_web(self, query: str) -> str:
        """Find information on the web.

        Args:
            query: What you want to search for.
        """
        return f"Qwen3 search results for '{query}': hybrid thinking modes."


async def main() -> None:
    llm = openai.LLM(
        model="qwen-plus-latest", base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"]
    )
    async with AgentSession(llm=llm) as session:
        await session.start(SearchAgent())
        result = await session.run(user_input="What is new in Qwen3?")
        print("events:", [type(getattr(e, "item", e)).__name__ for e in result.events], flush=True)
    tracer_provider.force_flush()
    tracer_provider.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
