#!/usr/bin/env node
// The `nanokube` multi-call binary: runs the compiled CLI (build with `npm run build`).
import '../dist/main.js';
