// Runs `nanokube kubelet ARGS...` from the built kubelet package, for suites that run before the CLI lists
// the kubelet verb. Exits with the verb's code.
import { kubeletVerb } from '../../packages/kubelet/dist/index.js';

process.exitCode = await kubeletVerb.run(process.argv.slice(2));
