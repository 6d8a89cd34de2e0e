export const PACKAGE_NAME = '@venue/gateway';
