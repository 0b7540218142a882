/** Message normalization helpers: the shapes golden fixtures do not reach one by one. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatRequestMessages, chatResponseMessages } from '../../mapper/genai-chat-formats.js';
import { providerName } from '../../mapper/genai-common.js';
import {
  normalizeMessage,
  normalizeMessages,
  resultText,
  systemMessage,
  toolArguments,
} from '../../mapper/genai-messages.js';

describe('toolArguments', () => {
  it('parses JSON text, keeps other text under _raw, and treats empty as null', () => {
    assert.deepEqual(toolArguments('{"a":1}'), { a: 1 });
    assert.deepEqual(toolArguments('[1,2]'), [1, 2]);
    assert.deepEqual(toolArguments('city=Paris'), { _raw: 'city=Paris' });
    assert.deepEqual(toolArguments({ a: 1 }), { a: 1 });
    assert.equal(toolArguments(''), null);
    assert.equal(toolArguments(undefined), null);
  });
});

describe('resultText', () => {
  it('keeps strings and serializes anything else', () => {
    assert.equal(resultText('ok'), 'ok');
    assert.equal(resultText({ t: 1 }), '{"t":1}');
    assert.equal(resultText(null), '');
  });
});

describe('systemMessage', () => {
  it('joins text parts and keeps other parts', () => {
    assert.deepEqual(
      systemMessage([
        { type: 'text', content: 'a' },
        { type: 'text', content: 'b' },
        { type: 'uri', uri: 'x' },
      ]),
      { role: 'system', content: 'ab', parts: [{ type: 'uri', uri: 'x' }] },
    );
  });
  it('accepts a JSON string and plain instruction text, rejects broken JSON and empties', () => {
    assert.deepEqual(systemMessage('[{"type":"text","content":"hi"}]'), { role: 'system', content: 'hi' });
    assert.deepEqual(systemMessage('Be kind.'), { role: 'system', content: 'Be kind.' });
    assert.equal(systemMessage('[{"type"'), null);
    assert.equal(systemMessage(''), null);
    assert.equal(systemMessage([]), null);
  });
});

describe('normalizeMessage', () => {
  it('turns a tool-only GenAI message into tool messages without an empty shell', () => {
    assert.deepEqual(
      normalizeMessage({
        role: 'tool',
        parts: [
          { type: 'tool_call_response', id: 'a', response: 'one' },
          { type: 'tool_call_response', id: 'b', result: [1] },
        ],
      }),
      [
        { role: 'tool', content: 'one', tool_call_id: 'a' },
        { role: 'tool', content: '[1]', tool_call_id: 'b' },
      ],
    );
  });
  it('reads Gemini parts', () => {
    assert.deepEqual(
      normalizeMessage({
        role: 'model',
        parts: [{ text: 'Calling.' }, { functionCall: { name: 'f', args: { x: 1 } } }],
      }),
      [{ role: 'model', content: 'Calling.', tool_calls: [{ id: null, name: 'f', arguments: { x: 1 } }] }],
    );
    assert.deepEqual(
      normalizeMessage({ role: 'user', parts: [{ functionResponse: { name: 'f', response: { y: 2 } } }] }),
      [{ role: 'tool', content: '{"y":2}', name: 'f' }],
    );
  });
  it('reads OpenAI legacy function_call and Responses API items', () => {
    assert.deepEqual(
      normalizeMessage({ role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } }),
      [{ role: 'assistant', content: '', tool_calls: [{ id: null, name: 'f', arguments: {} }] }],
    );
    assert.deepEqual(
      normalizeMessage({ type: 'function_call', call_id: 'c', name: 'g', arguments: '{"q":1}' }),
      [{ role: 'assistant', content: '', tool_calls: [{ id: 'c', name: 'g', arguments: { q: 1 } }] }],
    );
    assert.deepEqual(normalizeMessage({ type: 'function_call_output', call_id: 'c', output: 'done' }), [
      { role: 'tool', content: 'done', tool_call_id: 'c' },
    ]);
  });
  it('reads Bedrock toolUse / toolResult blocks', () => {
    assert.deepEqual(
      normalizeMessage({
        role: 'assistant',
        content: [{ toolUse: { toolUseId: 't', name: 'h', input: { z: 0 } } }],
      }),
      [{ role: 'assistant', content: '', tool_calls: [{ id: 't', name: 'h', arguments: { z: 0 } }] }],
    );
    assert.deepEqual(
      normalizeMessage({
        role: 'user',
        content: [{ toolResult: { toolUseId: 't', content: [{ text: 'fine' }] } }],
      }),
      [{ role: 'tool', content: 'fine', tool_call_id: 't' }],
    );
  });
  it('is not a message without role, parts or content', () => {
    assert.deepEqual(normalizeMessage({ foo: 1 }), []);
    assert.deepEqual(normalizeMessage('text'), []);
  });
});

describe('normalizeMessages', () => {
  it('accepts JSON text, structured lists and the {messages} envelope; null otherwise', () => {
    const want = [{ role: 'user', content: 'hi' }];
    assert.deepEqual(normalizeMessages('[{"role":"user","content":"hi"}]'), want);
    assert.deepEqual(
      normalizeMessages({ messages: [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }] }),
      want,
    );
    assert.equal(normalizeMessages('[{"role":'), null);
    assert.equal(normalizeMessages('hello'), null);
    assert.equal(normalizeMessages([]), null);
  });
});

describe('chat payload formats', () => {
  it('reads completions choices and Responses API output', () => {
    assert.deepEqual(chatResponseMessages({ choices: [{ text: 'Once', finish_reason: 'length' }] }), [
      { role: 'assistant', content: 'Once', finish_reason: 'length' },
    ]);
    assert.deepEqual(
      chatResponseMessages({
        object: 'response',
        output: [
          { type: 'reasoning', summary: [] },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi!' }] },
        ],
      }),
      [
        { role: 'assistant', content: '', parts: [{ type: 'reasoning', summary: [] }] },
        { role: 'assistant', content: 'Hi!' },
      ],
    );
  });
  it('reads Responses API requests with instructions', () => {
    assert.deepEqual(
      chatRequestMessages({ instructions: 'Be brief.', input: [{ role: 'user', content: 'Hey' }] }),
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hey' },
      ],
    );
  });
  it('gives null for payloads that are not chat', () => {
    assert.equal(chatRequestMessages({ query: 'x' }), null);
    assert.equal(chatRequestMessages([1, 2]), null);
    assert.equal(chatResponseMessages('text'), null);
    assert.equal(chatResponseMessages({ result: 1 }), null);
  });
});

describe('providerName', () => {
  it('lower-cases, renames pre-1.37 names and ignores frameworks', () => {
    assert.equal(providerName(' OpenAI '), 'openai');
    assert.equal(providerName('az.ai.openai'), 'azure.ai.openai');
    assert.equal(providerName('aws.bedrock'), 'aws.bedrock');
    assert.equal(providerName('autogen'), null);
    assert.equal(providerName(''), null);
  });
});
