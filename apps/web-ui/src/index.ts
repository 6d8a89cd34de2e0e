export const PACKAGE_NAME = '@venue/web-ui';
