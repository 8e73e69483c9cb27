export { runVerb, formatVerbList } from './dispatch.js';
export { verbLoaders } from './verbs.js';
