/** The gateway's name and version, as sent in Via and Server. */
export const NAME = 'kong-yml-gateway'
export const VERSION = '0.1.0'
export const SERVER_TOKEN = `${NAME}/${VERSION}`
