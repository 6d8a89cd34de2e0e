export const PACKAGE_NAME = '@venue/marketdata';
