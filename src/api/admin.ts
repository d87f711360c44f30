/** The admin group of NoetlClient: what only a direct database offers: migrations, database info, master-key rotation and status. Wire types are snake_case (API.md). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as the commands move onto the client
export interface AdminApi {}
