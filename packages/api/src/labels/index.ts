export * from './lexer.js';
export * from './selector.js';
export * from './parse.js';
