/** This copy's package version (a test keeps it equal to package.json's). */
export const PACKAGE_VERSION = '0.2.0';
