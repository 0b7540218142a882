"""GenAI events as OTLP log records, the way the official OpenTelemetry GenAI instrumentations emit them: the
Python SDK's Events API (EventLoggerProvider over a LoggerProvider with the standard OTLP/HTTP logs exporter) writes
gen_ai.system.message, gen_ai.user.message, gen_ai.choice and gen_ai.evaluation.result events in the context of a
chat span that itself carries no content. Configured through the standard variables:

  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_LOGS_ENDPOINT   the bridge
  OTEL_EXPORTER_OTLP_HEADERS                                              x-tracebridge-experiment=…
  OTEL_SERVICE_NAME
"""

from opentelemetry import trace
from opentelemetry._events import Event
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._events import EventLoggerProvider
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

tracer_provider = TracerProvider()
tracer_provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))
logger_provider = LoggerProvider()
logger_provider.add_log_record_processor(SimpleLogRecordProcessor(OTLPLogExporter()))
events = EventLoggerProvider(logger_provider).get_event_logger("opentelemetry.instrumentation.openai", "0.1.0")
tracer = tracer_provider.get_tracer("opentelemetry.instrumentation.openai", "0.1.0")

with tracer.start_as_current_span("chat qwen-plus-latest", kind=SpanKind.CLIENT) as span:
    span.set_attributes(
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "openai",
            "gen_ai.request.model": "qwen-plus-latest",
            "gen_ai.response.model": "qwen-plus-latest",
            "gen_ai.usage.input_tokens": 23,
            "gen_ai.usage.output_tokens": 9,
        }
    )
    system = {"gen_ai.system": "openai"}
    events.emit(Event("gen_ai.system.message", body={"content": "You answer in one sentence."}, attributes=system))
    events.emit(Event("gen_ai.user.message", body={"content": "What is new in Qwen 3?"}, attributes=system))
    events.emit(
        Event(
            "gen_ai.choice",
            body={
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "Hybrid thinking modes and MoE models."},
            },
            attributes=system,
        )
    )
    events.emit(
        Event(
            "gen_ai.evaluation.result",
            attributes={
                "gen_ai.evaluation.name": "relevance",
                "gen_ai.evaluation.score.value": 0.8,
                "gen_ai.evaluation.score.label": "relevant",
                "gen_ai.evaluation.explanation": "answers the question asked",
            },
        )
    )

logger_provider.shutdown()
tracer_provider.shutdown()
