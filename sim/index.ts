export { Rng, Zipf, mixSeed } from './random.js';
export { VOCABULARY, REAL_WORD_COUNT, AGENTS, drawWord, drawRank, drawText } from './vocabulary.js';
export { CaseFactory, DEFAULT_END_MS, HISTORY_MS, formatInstant, generateCases, objectId, type GenerateOptions } from './generator.js';
export { World, looseKeys, type Mutation, type WorldOptions } from './world.js';
export { DEFAULT_FAULTS, Simulator, type FaultConfig, type FaultKind, type SimulatorCounters, type SimulatorOptions } from './server.js';
export { parseQuirks, applyWorldQuirks, type Quirks } from './quirks.js';
