// The rule a service name follows, shared by every other name that lives beside services
// (health sources, prestart stages).
export const SERVICE_NAME = /^[A-Za-z0-9][\w.:-]{0,99}$/
export const SERVICE_NAME_RULE = 'a string of 1 to 100 letters, digits, or . _ : - that starts with a letter or digit'
