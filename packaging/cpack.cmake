# The Debian package (./scripts/package): CPack's DEB generator over the install
# rules in CMakeLists.txt, with the copyright file and changelog Debian asks for.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sqlmig)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "sqlmig developers <dev@sqlmig.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "applies plain SQL migrations to PostgreSQL, SQLite, MariaDB and MySQL")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "sqlmig applies NNN_name.up.sql and .down.sql migration files to\n"
    "PostgreSQL, SQLite, MariaDB and MySQL databases and records what it\n"
    "applied: checksums, a run-wide lock, a backup before anything changes,\n"
    "lint and verify of migrations, and errors that point at file:line:column.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # sqlmig_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://sqlmig.invalid/")
# Dependencies from the binaries and modules (dpkg-shlibdeps), never a hand-written list.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# pg_dump and mariadb-dump take the backups; recommended, not required (SQLite needs neither).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postgresql-client | mariadb-client")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_SET_DESTDIR OFF)

# /usr/share/doc/sqlmig/copyright and changelog.gz (a native package's name), compressed without a timestamp.
set(SQLMIG_CHANGELOG_GZ ${CMAKE_BINARY_DIR}/changelog.gz)
add_custom_command(OUTPUT ${SQLMIG_CHANGELOG_GZ}
                   COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/packaging/changelog > ${SQLMIG_CHANGELOG_GZ}
                   DEPENDS ${PROJECT_SOURCE_DIR}/packaging/changelog)
add_custom_target(sqlmig_changelog ALL DEPENDS ${SQLMIG_CHANGELOG_GZ})
install(FILES ${SQLMIG_CHANGELOG_GZ} packaging/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The man page, sqlmig(1): written by hand in roff (packaging/sqlmig.1), checked against
# every command and option of --help by tests/manpage/test-manpage.
set(SQLMIG_MAN_GZ ${CMAKE_BINARY_DIR}/sqlmig.1.gz)
add_custom_command(OUTPUT ${SQLMIG_MAN_GZ}
                   COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/packaging/sqlmig.1 > ${SQLMIG_MAN_GZ}
                   DEPENDS ${PROJECT_SOURCE_DIR}/packaging/sqlmig.1)
add_custom_target(sqlmig_manpage ALL DEPENDS ${SQLMIG_MAN_GZ})
install(FILES ${SQLMIG_MAN_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# Shell completions, printed by the built binary from its own command definitions,
# installed where Debian's bash-completion, zsh and fish look.
set(SQLMIG_COMPLETIONS ${CMAKE_BINARY_DIR}/completions)
add_custom_command(OUTPUT ${SQLMIG_COMPLETIONS}/sqlmig ${SQLMIG_COMPLETIONS}/_sqlmig ${SQLMIG_COMPLETIONS}/sqlmig.fish
                   COMMAND ${CMAKE_COMMAND} -E make_directory ${SQLMIG_COMPLETIONS}
                   COMMAND $<TARGET_FILE:sqlmig> completion bash > ${SQLMIG_COMPLETIONS}/sqlmig
                   COMMAND $<TARGET_FILE:sqlmig> completion zsh > ${SQLMIG_COMPLETIONS}/_sqlmig
                   COMMAND $<TARGET_FILE:sqlmig> completion fish > ${SQLMIG_COMPLETIONS}/sqlmig.fish
                   DEPENDS sqlmig)
add_custom_target(sqlmig_completions ALL DEPENDS ${SQLMIG_COMPLETIONS}/sqlmig)
install(FILES ${SQLMIG_COMPLETIONS}/sqlmig DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${SQLMIG_COMPLETIONS}/_sqlmig DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${SQLMIG_COMPLETIONS}/sqlmig.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
include(CPack)
