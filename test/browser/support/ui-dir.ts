/** Where test/run.mjs built the UI for the browser tests (not dist/ui/, which `npm run build` may rewrite). */
export function testUiDir(): string {
  const dir = process.env.TRACEBRIDGE_TEST_UI_DIR;
  if (!dir) throw new Error('TRACEBRIDGE_TEST_UI_DIR is not set: run the browser tests with test/run.mjs');
  return dir;
}
