"""MLflow tracing (mlflow-tracing 3.x) of a Qwen 3 agent, exported over OTLP to tracebridge.

The program is what an MLflow user writes (the same APIs as the seed article "Monitoring Qwen 3 Agents with
MLflow 3.x"); only the environment points it elsewhere:

  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / _PROTOCOL / _HEADERS   MLflow exports over OTLP instead of to a tracking
                                                              server when the endpoint is set
  OPENAI_BASE_URL / OPENAI_API_KEY                            the OpenAI-compatible server serving Qwen

It produces four traces, told apart by their root span:

  main           CHAIN main -> CHAT_MODEL chatbot (x2) -> autologged chat completions (article: autolog)
  predict        LLM predict (async generator with output_reducer) -> autologged streaming completion
  search_agent   AGENT with update_current_trace(tags), start_span blocks get_tool_calls / invoke_tools /
                 reflect_tool_calls, TOOL search_web, autologged completions with tools (article: function calling)
  browse_agent   AGENT whose TOOL fetch_page raises: error status and the exception event on both spans
"""

import asyncio
import copy
import json
from collections.abc import AsyncGenerator
from datetime import date
from typing import Any

import openai  # imported before autolog, as the article says: autolog patches the imported module
import mlflow
from mlflow.entities import SpanType
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessage

MODEL_NAME = "qwen-plus-latest"

mlflow.openai.autolog()
async_client = openai.AsyncOpenAI()

def truncate_str(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


# --- Autolog: a multi-turn chatbot ---------------------------------------------------------------------------


@mlflow.trace(span_type=SpanType.CHAT_MODEL)
async def chatbot(user_query: str, messages: list[dict[str, str]]) -> str:
    messages.append({"role": "user", "content": user_query})
    response = await async_client.chat.completions.create(
        model=MODEL_NAME,
        temperature=0.7,
        messages=messages,
        max_tokens=100,
    )
    llm_content = response.choices[0].message.content
    messages.append({"role": "assistant", "content": llm_content})
    return f"Tony says: {truncate_str(llm_content)}"


@mlflow.trace(span_type=SpanType.CHAIN)
async def main(user_queries: list[str]) -> list[str]:
    greetings = "Hello, what can I help you with today?"
    messages = [
        {"role": "system", "content": "You are Tony, a fun chatbot."},
        {"role": "assistant", "content": greetings},
    ]
    said = []
    for user_query in user_queries:
        said.append(await chatbot(user_query, messages))
    return said


# --- Streaming: an async generator reduced by output_reducer -------------------------------------------------


def aggregate_chunks(outputs: list[ChatCompletionChunk]) -> str | None:
    if not outputs:
        return None
    result = ""
    for chunk in outputs:
        # With stream_options.include_usage the last chunk has no choices; the finishing chunk no content.
        if chunk.choices and chunk.choices[0].delta.content:
            result += chunk.choices[0].delta.content
    return result


@mlflow.trace(span_type=SpanType.LLM, output_reducer=aggregate_chunks)
async def predict(query: str) -> AsyncGenerator[ChatCompletionChunk, None]:
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": query},
    ]
    stream = await async_client.chat.completions.create(
        model=MODEL_NAME,
        temperature=0.8,
        messages=messages,
        stream=True,
        stream_options={"include_usage": True},
    )
    async for chunk in stream:
        yield chunk


# --- Function calling with the context manager ----------------------------------------------------------------

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


@mlflow.trace(span_type=SpanType.TOOL)
async def search_web(query: str) -> str:
    # Stands in for the article's Tavily search: deterministic results.
    results = [
        {"title": "Qwen3 release notes", "url": "https://qwenlm.github.io/blog/qwen3/", "content": f"{query}: Qwen3 adds hybrid thinking modes."},
    ]
    return str(results)


_tool_functions = {"search_web": search_web}


async def call_llm(messages: list[dict], tools: list[dict] | None = None) -> ChatCompletionMessage:
    response = await async_client.chat.completions.create(
        model=MODEL_NAME,
        temperature=0.01,
        messages=messages,
        **({"tools": tools} if tools else {}),
    )
    return response.choices[0].message


async def tool_invoke(message: ChatCompletionMessage, messages: list[dict]) -> list[dict]:
    result_messages = copy.deepcopy(messages)
    for tool_call in message.tool_calls:
        tool_func = _tool_functions[tool_call.function.name]
        args = json.loads(tool_call.function.arguments)
        tool_result = await tool_func(**args)
        result_messages.append({"role": "tool", "tool_call_id": tool_call.id, "content": tool_result})
    return result_messages


@mlflow.trace(span_type=SpanType.AGENT)
async def search_agent(query: str) -> str:
    mlflow.update_current_trace(tags={"date": date.today().strftime("%Y%m%d"), "model": MODEL_NAME})

    with mlflow.start_span(name="get_tool_calls", span_type=SpanType.LLM) as span:
        span.set_inputs({"query": query})
        messages = [
            {
                "role": "system",
                "content": "You are a helpful assistant, and you use search_web tool to find information on the web.",
            },
            {"role": "user", "content": query},
        ]
        message = await call_llm(messages, tools)
        if message.content:
            span.set_outputs({"results": message.content})
            return message.content
        messages.append(message.model_dump(exclude_none=True))
        span.set_outputs({"tool_calls": [tc.model_dump() for tc in message.tool_calls]})
        span.set_attributes({"num_of_tool_calls": len(message.tool_calls)})

    with mlflow.start_span(name="invoke_tools", span_type=SpanType.TOOL) as span:
        span.set_inputs({"tool_calls": [tc.model_dump() for tc in message.tool_calls]})
        messages = await tool_invoke(message, messages)
        tool_call_results = messages[-len(message.tool_calls) :]
        span.set_outputs({"tool_call_results": tool_call_results})
        span.set_attributes({"num_of_tool_call_results": len(tool_call_results)})

    with mlflow.start_span(name="reflect_tool_calls", span_type=SpanType.LLM) as span:
        span.set_inputs({"messages": messages})
        message = await call_llm(messages)
        span.set_outputs({"answer": message.content})

    return message.content


# --- A span that raises ---------------------------------------------------------------------------------------


@mlflow.trace(span_type=SpanType.TOOL)
async def fetch_page(url: str) -> str:
    raise ConnectionError(f"fetch_page: connection refused for {url}")


@mlflow.trace(span_type=SpanType.AGENT)
async def browse_agent(url: str) -> str:
    return await fetch_page(url)


async def run() -> None:
    await main(["What is Qwen3?", "BYE is not what I say: tell me a joke"])

    chunks = [c async for c in predict("Stream me a haiku about tracing")]
    assert chunks, "the stream produced chunks"

    answer = await search_agent("What is new in Qwen3?")
    assert answer, "the agent answered"

    try:
        await browse_agent("http://example.invalid/qwen3")
    except ConnectionError:
        pass


if __name__ == "__main__":
    asyncio.run(run())
    print("done", flush=True)
