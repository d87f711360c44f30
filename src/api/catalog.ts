/** The catalog group of NoetlClient: the playbook catalog the keychain refers to. Wire types are snake_case (API.md). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as the commands move onto the client
export interface CatalogApi {}
