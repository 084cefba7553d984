// A single choice from a short list (React Aria's Select: a button and a listbox popover,
// keyboard and screen-reader ready).
import {
  Button,
  Label,
  ListBox,
  ListBoxItem,
  Popover,
  Select,
  SelectValue,
} from "react-aria-components";

export interface Option {
  id: string;
  name: string;
}

export function Choice(props: {
  label: string;
  options: Option[];
  value: string;
  onChange(value: string): void;
}) {
  return (
    <Select
      className="field"
      selectedKey={props.value}
      onSelectionChange={(key) => key !== null && props.onChange(String(key))}
    >
      <Label>{props.label}</Label>
      <Button className="select-button">
        <SelectValue />
        <span aria-hidden="true">▾</span>
      </Button>
      <Popover className="popover">
        <ListBox items={props.options} className="listbox">
          {(option) => <ListBoxItem id={option.id} className="option">{option.name}</ListBoxItem>}
        </ListBox>
      </Popover>
    </Select>
  );
}
