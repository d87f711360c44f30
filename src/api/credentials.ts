/** The credentials group of NoetlClient: credentials (seed 001: registered, validated, sealed at rest). Wire types are snake_case (API.md). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as the commands move onto the client
export interface CredentialsApi {}
