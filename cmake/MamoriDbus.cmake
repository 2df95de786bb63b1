# mamori_dbus_interface(XML)
#
# Generates the sdbus-c++ adaptor and proxy headers for one interface file of dbus/ into the
# build tree (<stem>.adaptor.h, <stem>.proxy.h; stem = file name without .xml, dots kept).
# Appends the XML to the global MAMORI_DBUS_INTERFACE_FILES property so that tests and
# installation know every interface without a second list.
find_program(MAMORI_XML2CPP sdbus-c++-xml2cpp REQUIRED)
set(MAMORI_DBUS_GEN_DIR ${CMAKE_BINARY_DIR}/dbus-gen)
define_property(GLOBAL PROPERTY MAMORI_DBUS_INTERFACE_FILES
  BRIEF_DOCS "Every interface XML of dbus/" FULL_DOCS "Filled by mamori_dbus_interface().")

function(mamori_dbus_interface XML)
  get_filename_component(stem ${XML} NAME_WLE)
  set(xml ${CMAKE_CURRENT_SOURCE_DIR}/${XML})
  set(adaptor ${MAMORI_DBUS_GEN_DIR}/${stem}.adaptor.h)
  set(proxy ${MAMORI_DBUS_GEN_DIR}/${stem}.proxy.h)
  add_custom_command(
    OUTPUT ${adaptor} ${proxy}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${MAMORI_DBUS_GEN_DIR}
    COMMAND ${MAMORI_XML2CPP} ${xml} --adaptor=${adaptor} --proxy=${proxy}
    DEPENDS ${xml}
    COMMENT "Generating sdbus-c++ adaptor and proxy for ${stem}"
    VERBATIM)
  set_property(GLOBAL APPEND PROPERTY MAMORI_DBUS_GEN_FILES ${adaptor} ${proxy})
  set_property(GLOBAL APPEND PROPERTY MAMORI_DBUS_INTERFACE_FILES ${xml})
endfunction()
