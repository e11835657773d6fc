/**
 * Lua compiled to JavaScript: the public surface of src/lua/compiler.
 *
 * - compile.ts: source → Lua function (syntax check, luaparse, generator, `new Function`);
 * - gen.ts, expr.ts, stmt.ts, gotos.ts, tailcall.ts: the code generator;
 * - runtime.ts: helpers generated code calls (fast paths, then core/ops.ts);
 * - positions.ts: error positions, LuaJIT's message details, tracebacks;
 * - base.ts, coroutine.ts: the base and coroutine libraries;
 * - run.ts: one metered run with print captured (tests, differential corpus).
 *
 * Running a chunk in the gateway (what run.ts does for tests):
 *   const f = compile(source, '=pre-function', env)      // once per config
 *   B.begin(limits); setPrintSink(toLog)                  // per run
 *   try { f(...) } catch (e) {
 *     BudgetExceeded / LuaExit: not Lua errors, handle first;
 *     anything else: settle(e).value is the Lua error value, traceback(e) the log's traceback
 *   } finally { B.end() }
 * Describe a non-string error value only inside the run (its __tostring is Lua code
 * and must stay metered): run.ts's describe shows how.
 */
export { compile, type CompileOptions } from './compile.js'
export { shortName } from './chunkname.js'
export { settle, traceback } from './positions.js'
export { installBase, setPrintSink, luaTostring } from './base.js'
export { coroutineLib } from './coroutine.js'
export { runLuaForTest, testEnv, type TestRunOptions, type TestRunResult } from './run.js'
