/** The cache group of NoetlClient: the credential cache (seed 004). Wire types are snake_case (API.md). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as the commands move onto the client
export interface CacheApi {}
