// Types of eslint.layers.js for the test that checks the rule (test/lint/layers.test.ts).
import type { Linter } from 'eslint'

export declare const layers: Linter.Config
