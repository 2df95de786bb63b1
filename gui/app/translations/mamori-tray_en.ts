<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>mamori::gui::DeviceApprovalDialog</name>
    <message numerus="yes">
        <source>Blocked in %n second(s) unless you allow it.</source>
        <translation>
            <numerusform>Blocked in %n second unless you allow it.</numerusform>
            <numerusform>Blocked in %n seconds unless you allow it.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>mamori::gui::EventNotifier</name>
    <message numerus="yes">
        <source>Asked directly by apps that bypass Mamori, %1 has seen %n distinct site(s)</source>
        <translation>
            <numerusform>Asked directly by apps that bypass Mamori, %1 has seen %n distinct site</numerusform>
            <numerusform>Asked directly by apps that bypass Mamori, %1 has seen %n distinct sites</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Through Mamori, the resolver %1 has seen %n distinct site(s)</source>
        <translation>
            <numerusform>Through Mamori, the resolver %1 has seen %n distinct site</numerusform>
            <numerusform>Through Mamori, the resolver %1 has seen %n distinct sites</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>(%n more like it were not shown.)</source>
        <translation>
            <numerusform>(%n more like it was not shown.)</numerusform>
            <numerusform>(%n more like it were not shown.)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>mamori::gui::ProtectionSummary</name>
    <message numerus="yes">
        <source>%n device(s) waiting for your decision.</source>
        <translation>
            <numerusform>%n device waiting for your decision.</numerusform>
            <numerusform>%n devices waiting for your decision.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Private DNS: spread over %n resolver(s)</source>
        <translation>
            <numerusform>Private DNS: spread over %n resolver</numerusform>
            <numerusform>Private DNS: spread over %n resolvers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Sandboxes: %n running</source>
        <translation>
            <numerusform>Sandboxes: %n running</numerusform>
            <numerusform>Sandboxes: %n running</numerusform>
        </translation>
    </message>
</context>
</TS>
