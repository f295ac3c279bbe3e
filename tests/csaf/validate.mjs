// Runs @secvisogram/csaf-validator-lib (the BSI reference validator) over CSAF documents.
//
//   node validate.mjs [--tests 6.1.1,6.1.2,…] [--json] FILE_OR_DIR…
//
// Default: the strict CSAF 2.0 schema plus every mandatory test (the library's `basic` preset,
// which covers 6.1.8 by the schema). `--tests` keeps the schema and only the named mandatory
// tests. `--json` prints one JSON object per document:
// {"file", "valid", "failed": [test names], "errors": [{test, path, message}]}.
// Always ends with the line "N passed, N failed" and exits 1 when any document failed.
import fs from 'node:fs'
import path from 'node:path'
import validateStrict from '@secvisogram/csaf-validator-lib/validateStrict.js'
import * as basic from '@secvisogram/csaf-validator-lib/basic.js'

const args = process.argv.slice(2)
let only = null
let asJson = false
const inputs = []
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--tests') only = new Set(args[++i].split(','))
  else if (args[i] === '--json') asJson = true
  else inputs.push(args[i])
}

const testName = (name) =>
  name === 'csaf_2_0_strict' ? 'schema' : name.replace('mandatoryTest_', '').replaceAll('_', '.')
const tests = Object.values(basic).filter(
  (t) => !only || testName(t.name) === 'schema' || only.has(testName(t.name))
)

const files = []
for (const input of inputs) {
  if (fs.statSync(input).isDirectory()) {
    for (const name of fs.readdirSync(input).sort()) {
      if (name.endsWith('.json')) files.push(path.join(input, name))
    }
  } else files.push(input)
}

let passed = 0
let failed = 0
const started = process.hrtime.bigint()
for (const file of files) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
  const result = await validateStrict(tests, doc)
  const errors = []
  for (const t of result.tests) {
    for (const e of t.errors) errors.push({ test: testName(t.name), path: e.instancePath, message: e.message })
  }
  const failedTests = [...new Set(errors.map((e) => e.test))]
  if (result.isValid) passed++
  else failed++
  if (asJson) console.log(JSON.stringify({ file, valid: result.isValid, failed: failedTests, errors }))
  else if (!result.isValid) {
    for (const e of errors) console.log(`${file}: ${e.test} ${e.path} ${e.message}`)
  }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9
console.error(`validated ${files.length} documents in ${seconds.toFixed(3)} s (${(files.length / seconds).toFixed(1)} docs/s)`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
