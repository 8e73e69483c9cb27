/**
 * Authentication, authorization and the review APIs of the apiserver (issue #4). `createSecurity`
 * assembles everything; the pieces are exported for tests and for other wiring.
 */
export { createSecurity } from './security.js';
export type { Security, SecurityOptions } from './security.js';
export { impersonate, hasImpersonationHeaders } from './impersonation.js';
export { privilegedGroupAuthorizer, unionAuthorizer, privilegedGroup } from './union.js';
export { rbacAuthorizer, userRules } from './rbac/authorizer.js';
export type { UserRules } from './rbac/authorizer.js';
export { staticPolicy, rulesForUser, subjectMatches, aggregateRules, aggregatedRules, serviceAccountUsername } from './rbac/policy.js';
export type { RbacPolicy } from './rbac/policy.js';
export { ruleAllows, rulesAllow } from './rbac/rules.js';
export { uncoveredRules, ruleCovers, breakdownRule } from './rbac/escalation.js';
export { nodeAuthorizer, nodeNameOf, nodesGroup } from './node/authorizer.js';
export { answerReview } from './reviews.js';
export type { ReviewDeps } from './reviews.js';
export { ServiceAccountTokens, defaultIssuer, kubeletProjectedSeconds } from './tokens/service-account.js';
export type { TokenSpec, IssuedToken, ServiceAccountTokenOptions } from './tokens/service-account.js';
export { authenticateBootstrapToken, parseBootstrapToken, bootstrapTokenSecretType, bootstrapTokenSecretPrefix, bootstrappersGroup } from './tokens/bootstrap.js';
export { signJwt, verifyJwt, keyId } from './tokens/jwt.js';
export { createTokenAuthentication } from './tokens/authenticator.js';
export { RegistryInformer, systemContext, loopbackUser } from './informer.js';
