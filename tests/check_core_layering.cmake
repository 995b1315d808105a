# The layering of core/, checked on every test run:
#  - no file includes Qt Gui or Widgets headers, and core's CMakeLists links neither;
#  - core's folders form one order, bottom first; a file may include headers of its
#    own folder and of folders below it, never above:
#        common  model  backend  store  secrets  engine  jobs
#    common: errors, paths, hashes, clocks    model: value types (Entry, Snapshot,
#    BaseState, settings, Job, Location)    backend: where files live    store: SQLite
#    secrets: the keychain    engine: scan, reconcile, execute    jobs: saved jobs and runs
#  - a folder missing from the order fails too: a new folder must be given its place.
# Arguments: -DDIR=<the core folder>; -DMIN_FILES=<n> (default 10) guards against a wrong DIR.
set(order common model backend store secrets engine jobs)
string(JOIN " < " orderText ${order})
if(NOT DEFINED MIN_FILES)
  set(MIN_FILES 10)
endif()

file(GLOB_RECURSE sources "${DIR}/*.h" "${DIR}/*.cpp" "${DIR}/CMakeLists.txt")
list(LENGTH sources n)
if(n LESS MIN_FILES)
  message(FATAL_ERROR "expected the core sources under ${DIR}, found ${n} files")
endif()

set(bad "")
foreach(f ${sources})
  file(STRINGS "${f}" lines REGEX "(#include[ \t]*<(QtGui|QtWidgets|QWidget|QApplication|QGuiApplication|QIcon|QPixmap|QImage|QColor)|Qt6::Gui|Qt6::Widgets)")
  if(lines)
    list(APPEND bad "${f}: Qt Gui or Widgets: ${lines}")
  endif()
  file(RELATIVE_PATH rel "${DIR}" "${f}")
  if(NOT rel MATCHES "/")
    continue() # core/CMakeLists.txt
  endif()
  string(REGEX REPLACE "/.*" "" folder "${rel}")
  list(FIND order "${folder}" rank)
  if(rank EQUAL -1)
    list(APPEND bad "${rel}: the folder '${folder}' has no place in the layer order (${orderText}); add it to ${CMAKE_CURRENT_LIST_FILE}")
    continue()
  endif()
  file(STRINGS "${f}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"[^\"]+/[^\"]+\"")
  foreach(line ${includes})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"/]+)/.*" "\\1" target "${line}")
    list(FIND order "${target}" targetRank)
    if(targetRank EQUAL -1)
      list(APPEND bad "${rel}: includes \"${target}/…\", which is not a core folder in the order (${orderText})")
    elseif(targetRank GREATER rank)
      list(APPEND bad "${rel}: ${folder} includes ${target}, which lies above it (order: ${orderText})")
    endif()
  endforeach()
endforeach()

if(bad)
  string(REPLACE ";" "\n  " bad "${bad}")
  message(FATAL_ERROR "core/ layering is broken:\n  ${bad}")
endif()
message(STATUS "checked ${n} core files: no Qt Gui or Widgets, includes follow ${orderText}")
