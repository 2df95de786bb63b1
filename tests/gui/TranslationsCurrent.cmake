# Fails when a tr() string of gui/ is missing from gui/app/translations/mamori-tray.ts (or the
# template keeps one the sources dropped): lupdate the sources into a copy and compare.
# Refresh with: cmake --build build --target mamori_tray_lupdate
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(COPY ${COMMITTED} DESTINATION ${WORK})
get_filename_component(name ${COMMITTED} NAME)
execute_process(COMMAND ${LUPDATE} -silent -no-obsolete -locations none ${GUI_DIR}/lib ${GUI_DIR}/app
                        -ts ${WORK}/${name}
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "lupdate failed (${result})")
endif()
file(READ ${COMMITTED} committed)
file(READ ${WORK}/${name} fresh)
if(NOT committed STREQUAL fresh)
  message(FATAL_ERROR "${COMMITTED} is out of date: run `cmake --build build --target "
                      "mamori_tray_lupdate` and commit it")
endif()
