// Contract-testing kit for other workspaces: the Swagger validator and the notes' extra schemas.

export {
  authDeniedSchema,
  oauthErrorSchema,
  quotaExceededSchema,
  tokenResponseSchema,
  webhookEnvelopeSchema,
} from './notes-schemas.js';
export { CONTRACT_URL, Contract, type ResponseExample, type ValidationResult } from './validator.js';
