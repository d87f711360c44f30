/** The vars group of NoetlClient: execution variables (seed 005). Wire types are snake_case (API.md). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as the commands move onto the client
export interface VarsApi {}
