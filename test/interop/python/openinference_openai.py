"""The `openai` Python client instrumented by OpenInference (openinference-instrumentation-openai), with the agent
and tool steps traced by OpenInference's own tracer decorators (@tracer.agent, @tracer.tool) and session / user /
metadata / tags set with `using_attributes`. Exported over OTLP/HTTP (protobuf) by the OTel SDK.

Only the environment points it elsewhere: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / _HEADERS and OTEL_SERVICE_NAME for
the exporter, OPENAI_BASE_URL / OPENAI_API_KEY for the OpenAI-compatible server serving Qwen.

One trace: AGENT search_agent > LLM ChatCompletion (tools, tool call back) > TOOL search_web > LLM ChatCompletion
(streamed with stream_options.include_usage).
"""

import json

import openai
from openinference.instrumentation import TracerProvider, using_attributes
from openinference.instrumentation.openai import OpenAIInstrumentor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import BatchSpanProcessor

tracer_provider = TracerProvider()  # resource from OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)
tracer = tracer_provider.get_tracer(__name__)

MODEL = "qwen-plus-latest"
client = openai.OpenAI()  # OPENAI_BASE_URL / OPENAI_API_KEY

tools = [
    {
        "type": "function",
        "function": {
            "name": "search_web",
            "description": "Find information on the web.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string", "description": "What you want to search for."}},
                "required": ["query"],
            },
        },
    }
]


@tracer.tool(name="search_web", description="Find information on the web.")
def search_web(query: str) -> str:
    return f"Qwen3 search results for '{query}': hybrid thinking modes."


@tracer.agent(name="search_agent")
def search_agent(question: str) -> str:
    messages = [
        {"role": "system", "content": "You are a helpful assistant, and you use search_web tool to find information."},
        {"role": "user", "content": question},
    ]
    first = client.chat.completions.create(model=MODEL, temperature=0.01, messages=messages, tools=tools)
    message = first.choices[0].message
    messages.append(message.model_dump(exclude_none=True))
    for call in message.tool_calls or []:
        query = json.loads(call.function.arguments)["query"]
        messages.append({"role": "tool", "tool_call_id": call.id, "content": search_web(query)})
    stream = client.chat.completions.create(
        model=MODEL,
        temperature=0.01,
        messages=messages,
        stream=True,
        stream_options={"include_usage": True},
    )
    answer = ""
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            answer += chunk.choices[0].delta.content
    return answer


if __name__ == "__main__":
    with using_attributes(
        session_id="session-42",
        user_id="user-7",
        metadata={"tenant": "acme"},
        tags=["qwen", "interop"],
    ):
        print("answer:", search_agent("What is new in Qwen3?"), flush=True)
    tracer_provider.force_flush()
    tracer_provider.shutdown()
