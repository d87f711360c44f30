/** The templates group of NoetlClient: playbook templates: render, and resolve a playbook's keychain section. Wire types are snake_case (API.md). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as the commands move onto the client
export interface TemplatesApi {}
