# Fails when a tr() string of gui/ is missing from gui/app/translations/mamori-tray.ts (or the
# template keeps one the sources dropped), or a plural string from mamori-tray_en.ts: lupdate
# the sources into copies and compare. Refresh with:
#   cmake --build build --target mamori_tray_lupdate
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
function(check_current file)
  file(COPY ${file} DESTINATION ${WORK})
  get_filename_component(name ${file} NAME)
  execute_process(COMMAND ${LUPDATE} -silent -no-obsolete -locations none ${ARGN}
                          ${GUI_DIR}/lib ${GUI_DIR}/app -ts ${WORK}/${name}
                  RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "lupdate failed (${result})")
  endif()
  file(READ ${file} committed)
  file(READ ${WORK}/${name} fresh)
  if(NOT committed STREQUAL fresh)
    message(FATAL_ERROR "${file} is out of date: run `cmake --build build --target "
                        "mamori_tray_lupdate`, translate what is new, and commit it")
  endif()
endfunction()
check_current(${TRANSLATIONS}/mamori-tray.ts)
check_current(${TRANSLATIONS}/mamori-tray_en.ts -pluralonly)
