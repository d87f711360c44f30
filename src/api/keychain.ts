/** The keychain group of NoetlClient: the keychain (seed 003: scoped, time-limited tokens, renewal). Wire types are snake_case (API.md). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as the commands move onto the client
export interface KeychainApi {}
