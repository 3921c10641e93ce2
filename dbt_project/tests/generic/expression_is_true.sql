{#
    A boolean SQL expression holds on every row of the model: each returned
    row breaks it. Rows where the expression is null pass, so write
    `coalesce(...)` or `is not null` into the expression when null must fail.
#}
{% test expression_is_true(model, expression, column_name=None) %}

    select *
    from {{ model }}
    where not ({{ expression }})

{% endtest %}
